/** Bad input of every kind gets a coded error, is never stored, and never takes the relay down. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fromHex, toHex, utf8 } from '../../crypto/bytes.js';
import { canonicalJson } from '../../crypto/canonical.js';
import { signerFromSeed, type Signer } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import { decodeServerFrame, encodeControl, encodeEnvelopes, loginInput, type ServerMessage } from '../../core/wire.js';
import { cleanup, demoRelay, device, online, until } from '../helpers/relay.js';

let ctx: Awaited<ReturnType<typeof demoRelay>>;
beforeAll(async () => {
  ctx = await demoRelay();
});
afterAll(async () => {
  await ctx.relay.close();
  cleanup(ctx.dataDir);
});

/** A raw protocol client that records every control message it receives. */
async function raw(opts: { login?: Signer; public?: boolean; meeting?: string } = {}) {
  const ws = new WebSocket(ctx.wsUrl);
  const got: ServerMessage[] = [];
  let closed = false;
  ws.on('close', () => (closed = true));
  const challenge = new Promise<Extract<ServerMessage, { t: 'challenge' }>>((ok) =>
    ws.on('message', (data: Buffer) => {
      const f = decodeServerFrame(new Uint8Array(data));
      if (f.type !== 'control') return;
      got.push(f.message);
      if (f.message.t === 'challenge') ok(f.message);
    }),
  );
  await new Promise((r) => ws.once('open', r));
  const c = await challenge;
  const meeting = opts.meeting ?? ctx.demo.meeting;
  if (opts.login) {
    const sig = await opts.login.sign(loginInput(c.nonce, ctx.demo.tenant, meeting, c.relay));
    ws.send(encodeControl({ t: 'login', tenant: ctx.demo.tenant, meeting, device: toHex(opts.login.publicKey), sig: toHex(sig) }));
    await until(() => got.some((m) => m.t === 'welcome' || m.t === 'error'), 'login answer');
  } else if (opts.public) {
    ws.send(encodeControl({ t: 'public', tenant: ctx.demo.tenant, meeting }));
    await until(() => got.some((m) => m.t === 'welcome'), 'welcome');
  }
  const errors = () => got.filter((m): m is Extract<ServerMessage, { t: 'error' }> => m.t === 'error');
  const sendAndWaitError = async (data: Uint8Array | string) => {
    const before = errors().length;
    ws.send(data);
    await until(() => errors().length > before || closed, 'an error answer');
    return errors()[errors().length - 1]?.code;
  };
  return { ws, got, errors, sendAndWaitError, isClosed: () => closed, close: () => ws.close() };
}

const seedOf = (person: string) => fromHex(ctx.demo.devices.find((d) => d.person === person)!.seed, 32);

async function signed(signer: Signer, over: Partial<envelope.Unsigned> = {}) {
  return envelope.sign(
    {
      tenant: ctx.demo.tenant, meeting: ctx.demo.meeting, doc: 'public', author: signer.publicKey, seq: 1, prev: envelope.ZERO_HASH,
      deps: [], hlc: { wall: Date.now(), counter: 0 }, kind: 'attendance.in', payload: utf8(canonicalJson({ person: 'm05', place: 'remote' })), ...over,
    },
    signer,
  );
}

describe('relay input validation', () => {
  it('answers garbage frames with bad-frame and keeps the connection usable', async () => {
    const c = await raw();
    expect(await c.sendAndWaitError(new Uint8Array([0x09, 1, 2]))).toBe('bad-frame');
    expect(await c.sendAndWaitError(new Uint8Array([0x01, 0x7b]))).toBe('bad-frame');
    expect(await c.sendAndWaitError(encodeControl({ t: 'sync', frontier: { public: { nothex: 1 } } } as never))).toBe('bad-frame');
    expect(await c.sendAndWaitError('text frames are not part of the protocol')).toBe('bad-frame');
    expect(await c.sendAndWaitError(encodeControl({ t: 'sync', frontier: {} }))).toBe('auth');
    expect(c.isClosed()).toBe(false);
    c.close();
  });

  it('closes a connection whose login signature is wrong', async () => {
    const member = await signerFromSeed(seedOf('m05'));
    const c = await raw();
    const challenge = c.got[0] as Extract<ServerMessage, { t: 'challenge' }>;
    const sig = await member.sign(loginInput('00'.repeat(32), ctx.demo.tenant, ctx.demo.meeting, challenge.relay));
    expect(await c.sendAndWaitError(encodeControl({ t: 'login', tenant: ctx.demo.tenant, meeting: ctx.demo.meeting, device: toHex(member.publicKey), sig: toHex(sig) }))).toBe('auth');
    await until(() => c.isClosed(), 'closed');
  });

  it('refuses bad envelopes with the right code and stores none of them', async () => {
    const member = await signerFromSeed(seedOf('m05'));
    const stranger = await signerFromSeed(new Uint8Array(32).fill(77));
    const c = await raw({ login: member });
    const before = ctx.relay.store.count();
    const good = await signed(member);
    const tampered = good.wire.slice();
    tampered[tampered.length - 70]! ^= 1;
    expect(await c.sendAndWaitError(encodeEnvelopes([tampered]))).toBe('bad-signature');
    expect(await c.sendAndWaitError(encodeEnvelopes([new Uint8Array([1, 2, 3])]))).toBe('bad-envelope');
    expect(await c.sendAndWaitError(encodeEnvelopes([(await signed(stranger)).wire]))).toBe('unknown-device');
    expect(await c.sendAndWaitError(encodeEnvelopes([(await signed(member, { meeting: 'other' })).wire]))).toBe('wrong-meeting');
    expect(await c.sendAndWaitError(encodeEnvelopes([(await signed(member, { seq: 2, prev: good.hash })).wire]))).toBe('gap');
    expect(await c.sendAndWaitError(encodeEnvelopes([(await signed(member, { deps: [new Uint8Array(32).fill(5)] })).wire]))).toBe('missing-deps');
    expect(await c.sendAndWaitError(encodeEnvelopes([(await signed(member, { kind: 'vote.cast', payload: utf8('{"vote":1}') })).wire]))).toBe('bad-envelope');
    expect(await c.sendAndWaitError(encodeEnvelopes([(await signed(member, { kind: 'no.such.kind' })).wire]))).toBe('bad-envelope');
    expect(ctx.relay.store.count()).toBe(before);

    // The good one is stored; a second, different seq 1 of the same device is a fork.
    c.ws.send(encodeEnvelopes([good.wire]));
    await until(() => c.got.some((m) => m.t === 'ack' && m.ids.includes(good.id)), 'ack');
    const twin = await signed(member, { payload: utf8(canonicalJson({ person: 'm05', place: 'onsite' })) });
    expect(await c.sendAndWaitError(encodeEnvelopes([twin.wire]))).toBe('fork');
    expect(ctx.relay.store.count()).toBe(before + 1);
    c.close();
  });

  it('a public connection may not write', async () => {
    const member = await signerFromSeed(seedOf('m06'));
    const c = await raw({ public: true });
    expect(await c.sendAndWaitError(encodeEnvelopes([(await signed(member)).wire]))).toBe('forbidden-doc');
    c.close();
  });

  it('oversized frames are cut off by the transport, and the relay serves the next client', async () => {
    const c = await raw();
    c.ws.send(new Uint8Array(5 * 1024 * 1024));
    await until(() => c.isClosed(), 'oversized connection closed');
    const ok = await device(ctx.demo, 'm07', [ctx.wsUrl]);
    await online(ok);
    await ok.replica.create('attendance.in', { person: 'm07', place: 'remote' });
    await online(ok);
    expect(ok.errors).toEqual([]);
    ok.client.stop();
    const health = await (await fetch(`${ctx.relay.url}/health`)).json();
    expect(health.status).toBe('ok');
    const metrics = await (await fetch(`${ctx.relay.url}/metrics`)).text();
    expect(metrics).toMatch(/ratsraum_envelopes_rejected_total\{code="bad-signature"\} [1-9]/);
    expect(metrics).toMatch(/ratsraum_envelopes_accepted_total [1-9]/);
  });
});

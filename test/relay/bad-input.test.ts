/** Bad input of every kind gets a coded error, is never stored, and never takes the relay down. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fromHex, toHex, utf8 } from '../../crypto/bytes.js';
import { canonicalJson } from '../../crypto/canonical.js';
import { signerFromSeed, type Signer } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import * as beacon from '../../core/beacon.js';
import { encodeControl, encodeEnvelopes, loginInput } from '../../core/wire.js';
import { cleanup, demoRelay, device, online, rawClient, until } from '../helpers/relay.js';

let ctx: Awaited<ReturnType<typeof demoRelay>>;
beforeAll(async () => {
  ctx = await demoRelay();
});
afterAll(async () => {
  await ctx.relay.close();
  cleanup(ctx.dataDir);
});

const raw = (opts: { login?: Signer; public?: boolean; meeting?: string } = {}) =>
  rawClient(ctx.wsUrl, { tenant: ctx.demo.tenant, meeting: opts.meeting ?? ctx.demo.meeting, login: opts.login, public: opts.public });

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
    const sig = await member.sign(loginInput('00'.repeat(32), ctx.demo.tenant, ctx.demo.meeting, c.challenge.relay));
    expect(await c.sendAndWaitError(encodeControl({ t: 'login', tenant: ctx.demo.tenant, meeting: ctx.demo.meeting, device: toHex(member.publicKey), sig: toHex(sig) }))).toBe('auth');
    await until(() => c.isClosed(), 'closed');
  });

  it('refuses bad envelopes with the right code and stores none of them', async () => {
    const member = await signerFromSeed(seedOf('m05'));
    const stranger = await signerFromSeed(new Uint8Array(32).fill(77));
    const c = await raw({ login: member });
    const before = await ctx.relay.store.count();
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
    expect(await ctx.relay.store.count()).toBe(before);

    // The good one is stored; a second, different seq 1 of the same device is a fork.
    c.ws.send(encodeEnvelopes([good.wire]));
    await until(() => c.got.some((m) => m.t === 'ack' && m.ids.includes(good.id)), 'ack');
    const twin = await signed(member, { payload: utf8(canonicalJson({ person: 'm05', place: 'onsite' })) });
    expect(await c.sendAndWaitError(encodeEnvelopes([twin.wire]))).toBe('fork');
    // The next seq with a prev that is not the stored entry is a fork too.
    expect(await c.sendAndWaitError(encodeEnvelopes([(await signed(member, { seq: 2, prev: twin.hash })).wire]))).toBe('fork');
    expect(await ctx.relay.store.count()).toBe(before + 1);

    // The same envelope again is harmless: acknowledged, stored once.
    const acks = c.of('ack').length;
    await c.sendAndWait(encodeEnvelopes([good.wire]), () => c.of('ack').length > acks, 'ack of the duplicate');
    expect(c.of('ack').at(-1)!.ids).toEqual([good.id]);
    expect(await ctx.relay.store.count()).toBe(before + 1);

    // A public entry may not depend on a members entry (the public could not verify its causal past).
    const secret = await signed(member, { doc: 'members' });
    await c.sendAndWait(encodeEnvelopes([secret.wire]), () => c.of('ack').some((a) => a.ids.includes(secret.id)), 'members entry stored');
    expect(await c.sendAndWaitError(encodeEnvelopes([(await signed(member, { seq: 2, prev: good.hash, deps: [secret.hash] })).wire]))).toBe('bad-envelope');
    expect(c.errors().at(-1)!.message).toMatch(/may not depend on a members entry/);
    expect(await ctx.relay.store.count()).toBe(before + 2);
    expect(c.isClosed()).toBe(false);
    c.close();
    const metrics = await (await fetch(`${ctx.relay.url}/metrics`)).text();
    expect(metrics).toMatch(/ratsraum_envelopes_rejected_total\{code="fork"\} 2\n/);
  });

  it('refuses a login for an unknown tenant or by a device without a certificate', async () => {
    const member = await signerFromSeed(seedOf('m05'));
    const c = await rawClient(ctx.wsUrl, { tenant: 'nirgendwo', meeting: ctx.demo.meeting, login: member });
    expect(c.errors()[0]?.code).toBe('auth');
    await until(() => c.isClosed(), 'closed');
    const p = await rawClient(ctx.wsUrl, { tenant: 'nirgendwo', meeting: ctx.demo.meeting, public: true });
    expect(p.errors()[0]?.code).toBe('auth');
    await until(() => p.isClosed(), 'closed');
    const stranger = await signerFromSeed(new Uint8Array(32).fill(78));
    const s = await raw({ login: stranger });
    expect(s.errors()[0]?.code).toBe('auth');
    expect(s.of('welcome')).toEqual([]);
    await until(() => s.isClosed(), 'closed');
  });

  it('a device may not send a beacon in another device\'s name or with a bad signature', async () => {
    const m8 = await signerFromSeed(seedOf('m08'));
    const m9 = await signerFromSeed(seedOf('m09'));
    const c = await raw({ login: m8 });
    const theirs = await beacon.make(ctx.demo.tenant, ctx.demo.meeting, m9, {}, Date.now());
    expect(await c.sendAndWaitError(encodeControl({ t: 'beacon', beacon: theirs }))).toBe('auth');
    const mine = await beacon.make(ctx.demo.tenant, ctx.demo.meeting, m8, {}, Date.now());
    expect(await c.sendAndWaitError(encodeControl({ t: 'beacon', beacon: { ...mine, at: mine.at + 1 } }))).toBe('bad-signature');
    const pub = await raw({ public: true });
    expect(await pub.sendAndWaitError(encodeControl({ t: 'beacon', beacon: mine }))).toBe('auth');
    c.close();
    pub.close();
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
    expect(metrics).not.toMatch(/envelopes_accepted_total|envelopes_stored/); // no content-derived counters (issue 10, leaks)
  });
});

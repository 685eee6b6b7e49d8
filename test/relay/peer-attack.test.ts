/**
 * DIS-5 peer transport under attack: a hostile peer (certified, but for another body) opens a real data
 * channel to a member's device, signalled by hand over the relay, and speaks frames by hand. It gets nothing
 * before its login is checked, no byte of the members' document after, and what it forges is refused.
 */
import { randomBytes } from 'node:crypto';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { issue } from '../../crypto/cert.js';
import { generateSeed, type Signer, signerFromSeed } from '../../crypto/ed25519.js';
import { decode } from '../../crypto/envelope.js';
import { decodePeerFrame, PEER_LABEL } from '../../core/peer-wire.js';
import { encodeControl, encodeEnvelopes, loginInput, type ServerMessage } from '../../core/wire.js';
import { cleanup, demoRelay, rawClient, until } from '../helpers/relay.js';
import { peerDevice } from '../helpers/peers.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

type Raw = Awaited<ReturnType<typeof rawClient>>;

/**
 * A data channel from the attacker to `victim`, signalled over the attacker's own relay connection. ICE between two
 * loaded processes may fail now and then (the victim then ends its side and asks anew): up to three attempts.
 */
async function channelTo(raw: Raw, victim: string) {
  for (let attempt = 1; ; attempt++)
    try {
      return await channelOnce(raw, victim);
    } catch (e) {
      if (attempt === 3) throw e;
      console.warn(`attacker: attempt ${attempt} failed (${(e as Error).message.slice(0, 80)}), again`);
    }
}

/** The ids of the attacker's proper offers. */
const offered: string[] = [];

async function channelOnce(raw: Raw, victim: string) {
  const pc = new RTCPeerConnection({ iceServers: [] });
  stops.push(() => pc.close());
  const ch = pc.createDataChannel(PEER_LABEL, { ordered: true });
  ch.binaryType = 'arraybuffer';
  const frames: ReturnType<typeof decodePeerFrame>[] = [];
  let closed = false;
  ch.onmessage = (ev) => frames.push(decodePeerFrame(new Uint8Array(ev.data as ArrayBuffer)));
  ch.onclose = () => (closed = true);
  const signal = (data: object) => raw.ws.send(encodeControl({ t: 'signal', to: victim, data: JSON.stringify(data) } as never));
  const early: object[] = [];
  let described = false;
  const id = randomBytes(8).toString('hex'); // the attempt's id (docs/PROTOCOL.md, "Peer transport")
  offered.push(id);
  pc.onicecandidate = (ev) => {
    if (!ev.candidate) return;
    const c = { t: 'ice', id, candidate: ev.candidate.candidate, mid: ev.candidate.sdpMid };
    if (described) signal(c);
    else early.push(c);
  };
  const seen = raw.got.length;
  await pc.setLocalDescription(await pc.createOffer());
  signal({ t: 'offer', id, sdp: pc.localDescription!.sdp });
  described = true;
  early.splice(0).forEach(signal);
  let handled = seen;
  let chain = Promise.resolve();
  let answered = false;
  const pending: { candidate: string; sdpMid?: string }[] = [];
  const pump = setInterval(() => {
    for (; handled < raw.got.length; handled++) {
      const m = raw.got[handled] as ServerMessage;
      if (m.t !== 'signal' || m.from !== victim) continue;
      const s = JSON.parse(m.data) as { t: string; sdp?: string; candidate?: string; mid?: string };
      chain = chain
        .then(async () => {
          if (s.t === 'answer' && !answered) {
            answered = true;
            await pc.setRemoteDescription({ type: 'answer', sdp: s.sdp! });
            for (const c of pending.splice(0)) await pc.addIceCandidate(c);
          }
          if (s.t === 'ice') {
            if (answered) await pc.addIceCandidate({ candidate: s.candidate!, sdpMid: s.mid });
            else pending.push({ candidate: s.candidate!, sdpMid: s.mid });
          }
        })
        .catch((e) => console.warn(`attacker signalling: ${(e as Error).message}`));
    }
  }, 20);
  stops.push(() => clearInterval(pump));
  await until(() => ch.readyState === 'open', 'data channel open', 30_000).catch((e) => {
    clearInterval(pump);
    pc.close();
    throw new Error(`${e.message}: signals ${raw.got.slice(seen).map((m) => (m.t === 'signal' ? JSON.parse(m.data).t : m.t)).join(',')}, pc ${pc.connectionState}`);
  });
  const control = () => frames.flatMap((f) => (f.type === 'control' ? [f.message] : []));
  return { ch, frames, control, isClosed: () => closed, send: (b: Uint8Array) => ch.send(b) };
}

describe('peer transport under attack', () => {
  it('DIS-5 a peer gets nothing before its login is checked, no members envelope without the body, and its forgeries are refused (raw frames on a real data channel); an offer without a valid attempt id is not taken', async () => {
    const { relay, demo, dataDir, wsUrl } = await demoRelay();
    stops.push(() => cleanup(dataDir), () => relay.close());
    const victim = await peerDevice(demo, 'm02', [wsUrl]);
    stops.push(() => victim.stop());
    const victimKey = victim.replica.deviceKey!;
    // The attacker's device: certified by the tenant, for another body; its key sorts first, so it offers.
    const tenantSigner = await signerFromSeed(fromHex(demo.tenantSeed, 32));
    let attacker: Signer;
    do attacker = await signerFromSeed(generateSeed());
    while (toHex(attacker.publicKey) >= victimKey);
    const cert = await issue({ v: 1, tenant: demo.tenant, person: 'fremd', name: 'Fremdes Gremium', device: toHex(attacker.publicKey), roles: ['member'], bodies: ['anderes-gremium'], notBefore: Date.now() - 60_000, notAfter: Date.now() + 86_400_000 }, tenantSigner);
    await relay.store.putCert(cert);
    relay.hub.pushCerts(demo.tenant, [cert]);
    await until(() => victim.client.status === 'online' && !!victim.replica.directory.get(toHex(attacker.publicKey)), 'victim online, knows the attacker certificate');
    await victim.replica.create('attendance.in', { person: 'm02', place: 'remote' });
    await victim.replica.create('attendance.in', { person: 'm02', place: 'remote' }, 'members');
    const raw = await rawClient(wsUrl, { tenant: demo.tenant, meeting: demo.meeting, login: attacker });
    stops.push(() => raw.close());

    // 0. Offers (real SDP) without the attempt's id, or with a malformed one: ignored, never answered.
    const decoy = new RTCPeerConnection({ iceServers: [] });
    stops.push(() => decoy.close());
    decoy.createDataChannel(PEER_LABEL, { ordered: true });
    await decoy.setLocalDescription(await decoy.createOffer());
    for (const id of [undefined, 'not-hex', 'ABCDEF0123456789', '0'.repeat(17)])
      raw.ws.send(encodeControl({ t: 'signal', to: victimKey, data: JSON.stringify({ t: 'offer', id, sdp: decoy.localDescription!.sdp }) } as never));
    // A taken offer would open a link in setup on the victim at once (before any await of its handler).
    for (const end = Date.now() + 2000; Date.now() < end; await new Promise((ok) => setTimeout(ok, 20))) expect(victim.mesh.settingUp).toEqual([]);

    // 1. Envelopes before any login: refused, the channel closed, nothing of the log sent.
    const first = await channelTo(raw, victimKey);
    // Signals are handled in their order: an answer to a decoy would have come before the one to `first`.
    const answers = raw.got.flatMap((m) => (m.t === 'signal' && JSON.parse(m.data).t === 'answer' ? [JSON.parse(m.data) as { id: string }] : []));
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((x) => !offered.includes(x.id))).toEqual([]);
    await until(() => first.control().some((m) => m.t === 'challenge'), 'challenge');
    const someWire = victim.replica.envelopes().find((e) => e.doc === 'public')!.wire;
    first.send(encodeEnvelopes([someWire]));
    await until(() => first.isClosed(), 'channel closed after envelopes before login', 30_000);
    expect(first.control().map((m) => m.t)).toEqual(['challenge', 'error']);
    expect(first.control()[1]).toMatchObject({ code: 'auth' });
    expect(first.frames.some((f) => f.type === 'envelopes')).toBe(false);

    // 2. A proper login of the outsider: only the public document, never a byte of members.
    const second = await channelTo(raw, victimKey);
    await until(() => second.control().some((m) => m.t === 'challenge'), 'challenge');
    const challenge = second.control().find((m) => m.t === 'challenge') as { nonce: string; relay: string };
    expect(challenge.relay).toBe(victimKey);
    const sig = await attacker.sign(loginInput(challenge.nonce, demo.tenant, demo.meeting, victimKey));
    second.send(encodeControl({ t: 'login', tenant: demo.tenant, meeting: demo.meeting, device: toHex(attacker.publicKey), sig: toHex(sig) }));
    await until(() => second.control().some((m) => m.t === 'sync'), 'the victim sends its frontier');
    const sync = second.control().find((m) => m.t === 'sync') as unknown as { frontier: Record<string, unknown> };
    expect(Object.keys(sync.frontier)).toEqual(['public']);
    second.send(encodeControl({ t: 'sync', frontier: {} }));
    await until(() => second.control().some((m) => m.t === 'synced'), 'synced');
    const got = second.frames.flatMap((f) => (f.type === 'envelopes' ? f.wires.map((w) => decode(w)) : []));
    const publicHeld = victim.replica.envelopes().filter((e) => e.doc === 'public');
    expect(got.map((e) => e.id).sort()).toEqual(publicHeld.map((e) => e.id).sort());
    expect(got.every((e) => e.doc === 'public')).toBe(true);
    expect(victim.replica.envelopes().some((e) => e.doc === 'members')).toBe(true);

    // 3. A forged envelope (one byte of a real one changed): refused by the victim, listed, never applied.
    const forged = someWire.slice();
    forged[forged.length - 70] = forged[forged.length - 70]! ^ 1; // inside the signature
    const before = victim.replica.log.size;
    second.send(encodeEnvelopes([forged]));
    await until(() => victim.replica.integrity().invalid.length > 0, 'the forgery is listed as invalid');
    expect(victim.replica.log.size).toBe(before);
    expect(second.isClosed()).toBe(false);
  }, 90_000);
});

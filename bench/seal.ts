/**
 * bench/seal: the cost of end-to-end encryption (docs/PROTOCOL.md "Sealed content").
 * 1. Per entry: sealing and opening a vote payload and a 2 KiB Yjs update, against signing and verifying the
 *    envelope in the same process (the baseline every entry pays anyway).
 * 2. Cold load as in bench/cold-verify (decode, verify, fold into a fresh replica) of a log whose votes live in
 *    the members' document: sealed (a replica holding the meeting key opens every entry) against the same log in
 *    clear, in the same run. Prints figures; asserts nothing.
 */
import { toHex, utf8 } from '../crypto/bytes.js';
import { canonicalJson } from '../crypto/canonical.js';
import { type Cert, issue, type Role } from '../crypto/cert.js';
import { type Signer, signerFromSeed, useBackend, verify } from '../crypto/ed25519.js';
import * as envelope from '../crypto/envelope.js';
import type { Envelope } from '../crypto/envelope.js';
import { dhFromSeed, generateKey, keyId, open, seal, wrap } from '../crypto/seal.js';
import { Replica } from '../core/replica.js';
import { aad, sealPayload, wrapContext } from '../core/sealed.js';

const N = Number(process.env.ENVELOPES ?? 20_000);
const MEMBERS = 15;
const fmt = (n: number, d = 0) => n.toFixed(d).padStart(8);

function perSecond(n: number, f: (i: number) => void): number {
  const t = performance.now();
  for (let i = 0; i < n; i++) f(i);
  return n / ((performance.now() - t) / 1000);
}

async function perSecondAsync(n: number, f: (i: number) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await f(i);
  return n / ((performance.now() - t) / 1000);
}

async function perEntry(): Promise<void> {
  useBackend('auto');
  const signer = await signerFromSeed(new Uint8Array(32).fill(7));
  const key = generateKey();
  const id = keyId(key);
  const place = { tenant: 'bench', meeting: 'm1', doc: 'members', author: signer.publicKey, seq: 1, kind: 'vote.cast' };
  const vote = utf8(canonicalJson({ vote: 'v1', choice: 'yes' }));
  const yjs = new Uint8Array(2048).map((_, i) => i % 251);
  const ad = aad(place, id);
  const unsigned = { ...place, seq: 2, prev: new Uint8Array(32).fill(1), deps: [], hlc: { wall: 1, counter: 0 }, payload: vote };
  const signed = await envelope.sign(unsigned, signer);
  const n = 20_000;
  const signRate = await perSecondAsync(2000, () => envelope.sign(unsigned, signer));
  const verifyRate = await perSecondAsync(2000, () => verify(signed.sig, signed.wire.subarray(0, signed.wire.length - 64), signed.author));
  for (const [name, bytes] of [['vote.cast (23 B)', vote], ['y update (2 KiB)', yjs]] as const) {
    const sealed = seal(key, bytes, ad);
    const sealRate = perSecond(n, () => seal(key, bytes, ad));
    const openRate = perSecond(n, () => open(key, sealed, ad));
    console.log(`per entry ${name}: seal ${fmt(sealRate)}/s (${fmt(1e6 / sealRate, 1)} µs), open ${fmt(openRate)}/s (${fmt(1e6 / openRate, 1)} µs) | baseline sign ${fmt(signRate)}/s, verify ${fmt(verifyRate)}/s: seal costs ${(signRate / sealRate).toFixed(3)}x a signature, open ${(verifyRate / openRate).toFixed(3)}x a verification`);
  }
  const dh = dhFromSeed(new Uint8Array(32).fill(9));
  const wrapRate = perSecond(500, () => wrap(key, dh.publicKey, wrapContext('bench', 'm1', id, toHex(signer.publicKey))));
  console.log(`per device: wrap a key ${fmt(wrapRate)}/s (${fmt(1e6 / wrapRate, 1)} µs; a meeting of ${MEMBERS + 5} devices: ${((MEMBERS + 5) * 1000 / wrapRate).toFixed(1)} ms)`);
}

interface BenchLog {
  certs: Cert[];
  tenantKey: Uint8Array;
  wires: Uint8Array[];
  reader: { seed: Uint8Array };
}

/** The synthetic session of bench/cold-verify (votes, one ballot per member), its votes in the members' document, sealed or not. */
async function membersLog(count: number, sealed: boolean): Promise<BenchLog> {
  useBackend('noble');
  const tenant = 'bench';
  const meeting = 'm1';
  const admin = await signerFromSeed(new Uint8Array(32).fill(250));
  const devices: { person: string; seed: Uint8Array; signer: Signer; roles: Role[] }[] = [];
  const adminSeed = new Uint8Array(32).fill(251);
  devices.push({ person: 'admin', seed: adminSeed, signer: await signerFromSeed(adminSeed), roles: ['admin'] });
  for (let i = 0; i < MEMBERS; i++) {
    const seed = new Uint8Array(32).fill(i + 1);
    devices.push({ person: `p${i}`, seed, signer: await signerFromSeed(seed), roles: i === 0 ? ['chair', 'member'] : ['member'] });
  }
  const certs: Cert[] = [];
  for (const d of devices)
    certs.push(await issue({ v: 1, tenant, person: d.person, name: d.person, device: toHex(d.signer.publicKey), dh: toHex(dhFromSeed(d.seed).publicKey), roles: d.roles, bodies: ['b'], notBefore: 0, notAfter: 4e12 }, admin));
  const key = new Uint8Array(32).fill(77);
  const id = keyId(key);
  const chains = new Map<string, Envelope>(); // signer+doc -> last
  const heads: Envelope[] = [];
  const out: Envelope[] = [];
  let wall = 1_795_000_000_000;
  async function add(signer: Signer, doc: 'public' | 'members', kind: string, payload: unknown): Promise<void> {
    const k = `${toHex(signer.publicKey)} ${doc}`;
    const last = chains.get(k);
    const head = (doc === 'public' ? heads.filter((h) => h.doc === 'public') : heads).at(-1);
    const deps = head && head !== last ? [head.hash] : [];
    const seq = (last?.seq ?? 0) + 1;
    const clear = utf8(canonicalJson(payload));
    const body = sealed && doc === 'members' && kind !== 'keys.wrap' ? sealPayload({ tenant, meeting, doc, author: signer.publicKey, seq, kind }, key, clear) : clear;
    const e = await envelope.sign({ tenant, meeting, doc, author: signer.publicKey, seq, prev: last?.hash ?? envelope.ZERO_HASH, deps, hlc: { wall: wall++, counter: 0 }, kind, payload: body }, signer);
    chains.set(k, e);
    heads.push(e);
    out.push(e);
  }
  const chair = devices[1]!;
  await add(devices[0]!.signer, 'public', 'meeting.setup', {
    body: { id: 'b', name: 'Bench', type: 'rat', statutoryMembers: MEMBERS },
    factions: [{ id: 'f', name: 'F' }],
    persons: devices.slice(1).map((d) => ({ id: d.person, name: d.person, faction: 'f', voting: true })),
    meeting: { id: meeting, title: 'Bench', start: wall, place: 'Saal', ...(sealed ? { sealed: true } : {}) },
  });
  for (const d of devices.slice(1)) await add(d.signer, 'public', 'attendance.in', { person: d.person, place: 'remote' });
  await add(chair.signer, 'public', 'session.open', {});
  if (sealed) {
    const to = toHex(chair.signer.publicKey);
    const dh = dhFromSeed(chair.seed).publicKey;
    const w = wrap(key, dh, wrapContext(tenant, meeting, id, to));
    await add(chair.signer, 'members', 'keys.wrap', { key: id, item: null, to, dh: toHex(dh), epk: toHex(w.epk), ct: toHex(w.ct) });
  }
  for (let round = 0; out.length < count; round++) {
    const vote = `v${round}`;
    await add(chair.signer, 'members', 'vote.open', { vote, item: null, title: `Vote ${round}`, mode: 'open' });
    for (const [i, d] of devices.slice(1).entries()) {
      if (out.length >= count - 1) break;
      await add(d.signer, 'members', 'vote.cast', { vote, choice: (['yes', 'no', 'abstain'] as const)[(i + round) % 3]! });
    }
    await add(chair.signer, 'members', 'vote.close', { vote });
  }
  useBackend('auto');
  return { certs, tenantKey: admin.publicKey, wires: out.slice(0, count).map((e) => e.wire), reader: { seed: chair.seed } };
}

/** Load, verify, open and fold into a fresh replica of the chair's device; ms. */
async function load(log: BenchLog): Promise<number> {
  const t = performance.now();
  const signer = await signerFromSeed(log.reader.seed);
  const r = new Replica({ tenant: 'bench', meeting: 'm1', tenantKey: log.tenantKey, docs: ['public', 'members'], signer, dh: dhFromSeed(log.reader.seed) });
  await r.addCerts(log.certs);
  const res = await r.receive(log.wires);
  const s = r.state;
  if (res.accepted.length !== log.wires.length || s.applied !== log.wires.length || s.e2e.unreadable.length > 0) throw new Error(`not all envelopes were applied (${s.applied}/${log.wires.length}, ${s.rejected[0]?.reason ?? ''})`);
  return performance.now() - t;
}

await perEntry();
const clear = await membersLog(N, false);
const sealedLog = await membersLog(N, true);
await load(clear); // warm-up
const clearMs = Math.min(await load(clear), await load(clear));
const sealedMs = Math.min(await load(sealedLog), await load(sealedLog));
console.log(`cold load (node, ${N} envelopes, votes in the members' document): clear ${fmt(clearMs)} ms | sealed ${fmt(sealedMs)} ms (${(sealedMs / clearMs).toFixed(2)}x clear)`);

/**
 * Checkpoints (docs/PROTOCOL.md, "Checkpoint"): a device's signed note of the envelopes it has verified,
 * kept beside its local store, so that on its return it checks the signatures of new envelopes only. A
 * checkpoint names, per chain (doc, author), the highest contiguous seq and that envelope's id: the id is the
 * SHA-256 of the whole wire and every envelope's `prev` is its predecessor's id, so the head authenticates the
 * whole chain below it. It also names the digest of the certificate versions and the hash of the state folded.
 * A checkpoint of another device, of another meeting, with a bad signature, or whose chains the store no
 * longer holds byte for byte, is not used: everything is verified anew.
 */
import { fromHex, toHex, utf8 } from '../crypto/bytes.js';
import { canonicalJson } from '../crypto/canonical.js';
import { type Signer, verify } from '../crypto/ed25519.js';
import type { Envelope } from '../crypto/envelope.js';
import { sha256 } from '../crypto/hash.js';
import type { Replica } from './replica.js';
import { stateHash } from './state.js';

export const DOMAIN = 'ratsraum/checkpoint/v1\n';

export interface Chain {
  doc: string;
  author: string; // device key, hex
  seq: number; // highest contiguous seq verified
  head: string; // id of the envelope at seq
}

export interface Checkpoint {
  v: 1;
  tenant: string;
  meeting: string;
  device: string; // the writing device's key, hex: the one that verified and signs
  at: number; // its clock, ms
  chains: Chain[]; // sorted by doc, then author
  certs: string; // certsDigest() of the certificate versions the state was folded with
  state: string; // stateHash of that fold
  sig: string; // Ed25519 over DOMAIN + canonicalJson(everything else), hex
}

type Unsigned = Omit<Checkpoint, 'sig'>;
const input = (c: Unsigned): Uint8Array => utf8(DOMAIN + canonicalJson(c as never));

/** SHA-256 hex of the sorted signatures of the certificate versions held, joined by ','. */
export const certsDigest = (sigs: readonly string[]): string => toHex(sha256(utf8([...sigs].sort().join(','))));

/**
 * The checkpoint of what `r` holds now. Everything it names is read before the first await, so it covers
 * exactly the envelopes held at the call (the caller stores them before it stores the checkpoint).
 */
export async function make(r: Replica, signer: Signer, at: number, state = stateHash(r.state)): Promise<Checkpoint> {
  const chains: Chain[] = [];
  for (const [doc, authors] of Object.entries(r.frontier() as Record<string, Record<string, number>>))
    for (const [author, seq] of Object.entries(authors)) chains.push({ doc, author, seq, head: r.log.at(doc, author, seq)!.id });
  chains.sort((a, b) => (a.doc !== b.doc ? (a.doc < b.doc ? -1 : 1) : a.author < b.author ? -1 : 1));
  const c: Unsigned = { v: 1, tenant: r.tenant, meeting: r.meeting, device: toHex(signer.publicKey), at, chains, certs: certsDigest(r.directory.all().map((x) => x.sig)), state };
  return { ...c, sig: toHex(await signer.sign(input(c))) };
}

/** Whether `c` is a well-formed checkpoint of this meeting, written and signed by `device`. Never throws. */
export async function check(c: unknown, tenant: string, meeting: string, device: string): Promise<boolean> {
  try {
    const { sig, ...rest } = c as Checkpoint;
    if (rest.v !== 1 || rest.tenant !== tenant || rest.meeting !== meeting || rest.device !== device) return false;
    if (!Array.isArray(rest.chains) || !rest.chains.every((x) => typeof x.doc === 'string' && typeof x.author === 'string' && Number.isSafeInteger(x.seq) && x.seq > 0 && typeof x.head === 'string')) return false;
    return await verify(fromHex(sig, 64), input(rest), fromHex(device, 32));
  } catch {
    return false;
  }
}

/**
 * The ids of `envs` the checkpoint vouches for: each chain walked down from its head through `prev`.
 * Undefined when a chain does not resolve to envelopes held (one altered, dropped or swapped in the store).
 */
export function covered(c: Checkpoint, envs: readonly Envelope[]): Set<string> | undefined {
  const byId = new Map(envs.map((e) => [e.id, e]));
  const ids = new Set<string>();
  for (const chain of c.chains) {
    let id = chain.head;
    for (let seq = chain.seq; seq >= 1; seq--) {
      const e = byId.get(id);
      if (!e || e.seq !== seq || e.doc !== chain.doc || toHex(e.author) !== chain.author) return undefined;
      ids.add(id);
      id = toHex(e.prev);
    }
  }
  return ids;
}

export type Verdict = 'used' | 'discarded' | 'none';

/**
 * A returning device's load: a replica from `fresh()` (certificates added) receives the stored `wires`, checking
 * only the signatures the checkpoint `c` does not vouch for. A checkpoint that fails `check`, whose chains the
 * wires do not hold, or whose state differs from the fold of exactly what it covers (same certificate
 * versions), is discarded, and every signature is checked.
 */
export async function restore(fresh: () => Promise<Replica>, wires: Uint8Array[], c: unknown, device: string | undefined): Promise<{ replica: Replica; verdict: Verdict; checked: number }> {
  const r = await fresh();
  if (c === undefined || c === null || device === undefined) return { replica: r, verdict: 'none', checked: (await r.receive(wires)).checked };
  if (!(await check(c, r.tenant, r.meeting, device))) return { replica: r, verdict: 'discarded', checked: (await r.receive(wires)).checked };
  const cp = c as Checkpoint;
  let resolved = true;
  const res = await r.receive(wires, {
    trusted: (envs) => {
      const ids = covered(cp, envs);
      resolved = ids !== undefined;
      return ids ?? new Set();
    },
  });
  if (!resolved) return { replica: r, verdict: 'discarded', checked: res.checked };
  const exactly = cp.chains.reduce((n, x) => n + x.seq, 0) === r.log.size && cp.certs === certsDigest(r.directory.all().map((x) => x.sig));
  if (exactly && stateHash(r.state) !== cp.state) {
    const again = await fresh();
    return { replica: again, verdict: 'discarded', checked: (await again.receive(wires)).checked };
  }
  return { replica: r, verdict: 'used', checked: res.checked };
}

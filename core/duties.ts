/**
 * What this device owes the session next, computed from the state and the log, so that a trustee's or a
 * drawer's device can act on its own when it is online (and the web app and the tests use the same steps):
 * the key generation (commit, deal, check and acknowledge), a ballot, a partial decryption, a lot draw.
 * Secrets (the trustee seed, the lot reveal) are passed in by the caller; they never enter an entry.
 */
import { type Bytes, toHex } from '../crypto/bytes.js';
import { encryptBallot } from '../crypto/ballot.js';
import type { Envelope } from '../crypto/envelope.js';
import { GroupError, mod, pointFromHex } from '../crypto/group.js';
import { checkDealerCommit, type DealerCommit, dealerCommit, dealShares, type EncryptedShare, keyShare, openShare, partialDecrypt } from '../crypto/threshold.js';
import type { Cert, CertBody } from '../crypto/cert.js';
import { decodeEntry, type DomainEntry, type Payload } from './entries.js';
import { NOTARIES } from './rules/roles.js';
import { commitment } from './lot.js';
import { keyPoint } from './secret.js';
import type { KeyState, SessionState, Vote } from './state.js';

export type Step = Extract<DomainEntry, { kind: string }>;

/** Payloads of `kind` entries in fold order, with their author (hex). */
function entriesOf<K extends DomainEntry['kind']>(log: Iterable<Envelope>, kind: K): { author: string; payload: PayloadOf<K> }[] {
  const out: { author: string; payload: PayloadOf<K> }[] = [];
  for (const e of log) {
    if (e.kind !== kind) continue;
    try {
      out.push({ author: toHex(e.author), payload: decodeEntry(e.kind, e.payload).payload as PayloadOf<K> });
    } catch {
      // invalid entries are the fold's business
    }
  }
  return out;
}
type PayloadOf<K extends DomainEntry['kind']> = Extract<DomainEntry, { kind: K }>['payload'];

/** The commits and dealt shares each trustee's device published for a key, by trustee index. */
function published(key: KeyState, log: Envelope[]) {
  const commits = new Map<number, DealerCommit>();
  const shares = new Map<number, EncryptedShare[]>();
  const deviceIndex = new Map(key.trustees.map((t, i) => [key.devices[t], i + 1] as const));
  for (const c of entriesOf(log, 'key.commit')) {
    const i = deviceIndex.get(c.author);
    if (c.payload.key === key.id && i && !commits.has(i)) commits.set(i, c.payload);
  }
  for (const c of entriesOf(log, 'key.shares')) {
    const i = deviceIndex.get(c.author);
    if (c.payload.key === key.id && i && !shares.has(i)) shares.set(i, c.payload.shares);
  }
  return { commits, shares };
}

/** This trustee's key share x_j, from its seed and the shares dealt to it; throws GroupError naming a bad dealer. */
export function myKeyShare(meetingRef: string, key: KeyState, me: string, seed: Bytes, log: Envelope[]): bigint {
  const ctx = { meeting: meetingRef, key: key.id };
  const index = key.trustees.indexOf(me) + 1;
  const { commits, shares } = published(key, log);
  // Each dealer's share is opened on its own, so a bad one is attributed to its dealer.
  let x = keyShare(ctx, index, seed, key.threshold, []);
  for (const [from, list] of shares) {
    if (from === index) continue;
    const ct = list.find((s) => s.to === index);
    if (!ct) throw new DealerError(from, `dealer ${from} sent no share to trustee ${index}`);
    try {
      x = mod(x + openShare(ctx, from, checkDealerCommit(ctx, from, key.threshold, commits.get(from)!), index, seed, ct.ct));
    } catch (e) {
      throw new DealerError(from, (e as Error).message);
    }
  }
  return x;
}

export class DealerError extends GroupError {
  constructor(
    readonly dealer: number,
    message: string,
  ) {
    super(message);
  }
}

/** The next key-generation entry this trustee device owes, or null. */
export function keyStep(meetingRef: string, key: KeyState, me: string, device: string, seed: Bytes, log: Envelope[]): Step | null {
  const index = key.trustees.indexOf(me) + 1;
  if (index === 0 || key.status !== 'setup') return null;
  if (!key.committed.includes(me)) return { kind: 'key.commit', payload: { key: key.id, ...dealerCommit({ meeting: meetingRef, key: key.id }, index, seed, key.threshold) } };
  if (key.devices[me] !== device || key.committed.length < key.trustees.length) return null;
  if (!key.dealt.includes(me)) {
    const { commits } = published(key, log);
    const enc = new Map([...commits].map(([i, c]) => [i, pointFromHex(c.enc, 'encryption key')] as const));
    return { kind: 'key.shares', payload: { key: key.id, shares: dealShares({ meeting: meetingRef, key: key.id }, index, seed, key.threshold, enc) } };
  }
  if (key.dealt.length < key.trustees.length || key.acknowledged.includes(me)) return null;
  try {
    myKeyShare(meetingRef, key, me, seed, log);
    return { kind: 'key.ok', payload: { key: key.id } };
  } catch (e) {
    if (!(e instanceof DealerError)) throw e;
    return { kind: 'key.complaint', payload: { key: key.id, against: e.dealer, reason: e.message.slice(0, 300) } };
  }
}

/** A secret ballot for `choice` (an option id; 'abstain' marks nothing). */
export function secretBallot(meetingRef: string, state: SessionState, vote: Vote, choice: string, voter: Bytes): Step {
  const key = state.keys.find((k) => k.id === vote.key);
  if (!key?.joint) throw new GroupError(`vote '${vote.id}' has no ready key`);
  const options = vote.options.length - 1;
  const index = choice === 'abstain' ? null : vote.options.indexOf(choice);
  if (index === -1) throw new GroupError(`'${choice}' is not an option of '${vote.id}'`);
  const ballot = encryptBallot({ meeting: meetingRef, vote: vote.id, key: keyPoint(key.joint), voter }, options, index);
  return { kind: 'vote.ballot', payload: { vote: vote.id, ...ballot } };
}

/** This trustee's partial decryption of a closed secret vote, or null if none is owed. */
export function partialStep(meetingRef: string, state: SessionState, vote: Vote, me: string, device: string, seed: Bytes, log: Envelope[]): Step | null {
  const key = state.keys.find((k) => k.id === vote.key);
  if (!key || vote.decryption !== 'waiting' || !vote.aggregate || key.devices[me] !== device) return null;
  if (vote.partials.some((p) => p.trustee === me)) return null;
  const x = myKeyShare(meetingRef, key, me, seed, log);
  const index = key.trustees.indexOf(me) + 1;
  const aggregates = vote.aggregate.a.map((h) => pointFromHex(h, 'aggregate'));
  return { kind: 'vote.partial', payload: { vote: vote.id, ...partialDecrypt({ meeting: meetingRef, vote: vote.id, trustee: index }, x, aggregates) } };
}

/** The next lot entry this drawer owes: its commitment, then (once all committed) its reveal. */
export function lotStep(vote: Vote, me: string, reveal: Bytes): Step | null {
  const lot = vote.lot;
  if (!lot || !lot.drawers.includes(me) || lot.order) return null;
  if (!lot.commits[me]) return { kind: 'lot.commit', payload: { vote: vote.id, commitment: commitment(vote.id, me, reveal) } };
  if (lot.reveals[me] || Object.keys(lot.commits).length < lot.drawers.length) return null;
  return { kind: 'lot.reveal', payload: { vote: vote.id, reveal: toHex(reveal) } };
}

/**
 * A revocation this device holds that the meeting's log does not record yet, for the chair's, the
 * assistant's or the administration's device to record (`cert.note`): once in the hash-chained log, no relay
 * can take it back by serving an older directory (DESIGN.md "Identity and trust").
 */
export function certNoteStep(state: SessionState, me: CertBody | undefined, certs: readonly Cert[], log: Iterable<Envelope>): Step | null {
  const body = state.body?.id;
  if (!me || !body || me.revoked !== undefined) return null;
  if (!me.roles.some((r) => r === 'admin' || (NOTARIES.includes(r) && me.bodies.includes(body)))) return null;
  const noted = new Set(entriesOf(log, 'cert.note').map((n) => n.payload.cert.sig));
  const due = certs.find((c) => c.body.revoked !== undefined && !noted.has(c.sig) && (c.body.bodies.includes(body) || c.body.roles.includes('admin')));
  return due ? { kind: 'cert.note', payload: { cert: due as unknown as Payload<'cert.note'>['cert'] } } : null;
}

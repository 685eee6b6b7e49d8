/**
 * The one-click check of secret votes (VOTE-4), from scratch and without the fold's memo: the meeting key
 * from the trustees' commitments, every counted ballot's proofs, the sum of the counted ballots, every
 * partial decryption's proof and the decrypted counts. Used by the browser (in a worker) and by
 * `ratsraum verify`; docs/SECRET-BALLOTS.md describes each step for independent verifiers.
 *
 * `batch: true` checks all proofs of a vote in one multi-scalar multiplication (and only on failure
 * looks for the culprits one by one); `batch: false` is the plain one-at-a-time check.
 */
import { ballotEquations, decodeCiphertexts, sumOf } from '../crypto/ballot.js';
import { toHex } from '../crypto/bytes.js';
import type { Envelope } from '../crypto/envelope.js';
import { type Equation, GroupError, holdsAll, holdsEach, pointFromHex, pointHex } from '../crypto/group.js';
import { checkDealerCommit, combine, jointKey, partialEquations, verificationKey } from '../crypto/threshold.js';
import { decodeEntry, type Payload } from './entries.js';
import type { SessionState, Vote } from './state.js';

export type AuditProblemCode = 'key' | 'ballot-missing' | 'ballot-proof' | 'aggregate' | 'partial-missing' | 'partial-proof' | 'decryption';

export interface AuditProblem {
  vote: string;
  code: AuditProblemCode;
  subject: string; // entry id, trustee or key id
  detail: string; // English
}

export interface VoteAudit {
  vote: string;
  title: string;
  ballots: number;
  partials: number;
  counts: Record<string, number> | null;
  ok: boolean;
}

export interface AuditReport {
  ok: boolean;
  votes: VoteAudit[];
  problems: AuditProblem[];
}

export interface AuditOptions {
  batch?: boolean;
  onProgress?: (done: number, total: number) => void;
}

const check = (equations: Equation[], batch: boolean) => (batch ? holdsAll(equations) : holdsEach(equations));

/** Audits every secret vote of the state whose result was decrypted digitally. */
export function auditSecretVotes(meetingRef: string, state: SessionState, log: Iterable<Envelope>, opts: AuditOptions = {}): AuditReport {
  const batch = opts.batch ?? true;
  const byId = new Map<string, Envelope>();
  for (const e of log) byId.set(e.id, e);
  const votes = state.votes.filter((v) => v.mode === 'secret' && v.source === 'digital' && v.status === 'closed');
  const total = votes.reduce((n, v) => n + v.ballots.filter((b) => b.status === 'counted').length + v.partials.length, 0);
  let done = 0;
  const progress = (n: number) => opts.onProgress?.((done += n), total);
  const problems: AuditProblem[] = [];
  const audits = votes.map((v) => {
    const before = problems.length;
    const r = auditVote(meetingRef, state, v, byId, batch, problems, progress);
    return { vote: v.id, title: v.title, ballots: r.ballots, partials: r.partials, counts: v.counts, ok: problems.length === before };
  });
  return { ok: problems.length === 0, votes: audits, problems };
}

function payloadOf<K extends 'vote.ballot' | 'vote.partial' | 'key.commit'>(e: Envelope | undefined, kind: K): Payload<K> | null {
  if (!e || e.kind !== kind) return null;
  try {
    return decodeEntry(e.kind, e.payload).payload as Payload<K>;
  } catch {
    return null;
  }
}

function auditVote(
  meetingRef: string,
  state: SessionState,
  v: Vote,
  byId: Map<string, Envelope>,
  batch: boolean,
  problems: AuditProblem[],
  progress: (n: number) => void,
): { ballots: number; partials: number } {
  const problem = (code: AuditProblemCode, subject: string, detail: string) => problems.push({ vote: v.id, code, subject, detail });
  const key = state.keys.find((k) => k.id === v.key);
  if (!key?.joint) {
    problem('key', v.key ?? '', 'the vote names no ready key');
    return { ballots: 0, partials: 0 };
  }
  // 1. The key: recomputed from the trustees' published commitments.
  const dealers = [];
  for (const [i, t] of key.trustees.entries()) {
    const commit = [...byId.values()].find((e) => e.kind === 'key.commit' && toHex(e.author) === key.devices[t] && payloadOf(e, 'key.commit')?.key === key.id);
    const p = payloadOf(commit, 'key.commit');
    try {
      if (!p) throw new GroupError(`no commitment of trustee ${t}`);
      dealers.push(checkDealerCommit({ meeting: meetingRef, key: key.id }, i + 1, key.threshold, p));
    } catch (e) {
      problem('key', key.id, (e as Error).message);
      return { ballots: 0, partials: 0 };
    }
  }
  const Y = jointKey(dealers).precompute(8);
  if (pointHex(Y) !== key.joint) {
    problem('key', key.id, 'the joint key does not follow from the trustees’ commitments');
    return { ballots: 0, partials: 0 };
  }
  // 2. Every counted ballot's proofs.
  const options = v.options.length - 1;
  const counted = v.ballots.filter((b) => b.status === 'counted');
  const decoded: { entry: string; cts: ReturnType<typeof decodeCiphertexts>; equations: Equation[] }[] = [];
  for (const b of counted) {
    const e = byId.get(b.entry);
    const p = payloadOf(e, 'vote.ballot');
    if (!e || !p) {
      problem('ballot-missing', b.entry, 'a counted ballot is missing from the record');
      continue;
    }
    try {
      decoded.push({ entry: b.entry, ...ballotEquations({ meeting: meetingRef, vote: v.id, key: Y, voter: e.author }, options, p) });
    } catch (err) {
      problem('ballot-proof', b.entry, (err as Error).message);
    }
  }
  const CHUNK = 10;
  for (let i = 0; i < decoded.length; i += CHUNK) {
    const chunk = decoded.slice(i, i + CHUNK);
    if (!check(chunk.flatMap((d) => d.equations), batch))
      for (const d of chunk) if (!check(d.equations, batch)) problem('ballot-proof', d.entry, 'the ballot proof does not hold');
    progress(chunk.length);
  }
  // 3. The sum of the counted ballots.
  const sums = Array.from({ length: options }, (_, o) => sumOf(decoded.map((d) => d.cts[o]!)));
  if (!v.aggregate || sums.some((s, o) => pointHex(s.a) !== v.aggregate!.a[o] || pointHex(s.b) !== v.aggregate!.b[o]))
    problem('aggregate', v.id, 'the sum of the counted ballots differs from the one decrypted');
  // 4. The partial decryptions and 5. the counts.
  const used = new Map<number, ReturnType<typeof pointFromHex>[]>();
  const aggregates = sums.map((s) => s.a);
  for (const part of v.partials.filter((p) => p.valid)) {
    const p = payloadOf(byId.get(part.entry), 'vote.partial');
    progress(1);
    if (!p) {
      problem('partial-missing', part.trustee, 'a partial decryption is missing from the record');
      continue;
    }
    try {
      const r = partialEquations({ meeting: meetingRef, vote: v.id, trustee: part.index }, verificationKey(dealers, part.index), aggregates, p);
      if (!check(r.equations, batch)) throw new GroupError('the decryption proof does not hold');
      if (used.size < key.threshold) used.set(part.index, r.shares);
    } catch (err) {
      problem('partial-proof', part.trustee, (err as Error).message);
    }
  }
  // Fewer than t while the vote waits for its trustees is pending (export.ts says so), not a failure.
  if (used.size < key.threshold) {
    if (v.counts) problem('decryption', v.id, `${used.size} valid partial decryptions, ${key.threshold} needed`);
  }
  else {
    const plain = combine(used, sums, counted.length);
    const expected = v.options.slice(0, -1).map((o) => v.counts?.[o]);
    if (plain.some((c, i) => c !== expected[i])) problem('decryption', v.id, 'the decrypted counts differ from the published result');
  }
  return { ballots: counted.length, partials: v.partials.length };
}

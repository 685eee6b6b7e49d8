/**
 * Secret ballots (core/secret.ts, docs/SECRET-BALLOTS.md): the trustees' distributed key generation, the
 * sum of the counted ballots at the close, and its threshold decryption by t of n trustees.
 */
import { toHex } from '../../crypto/bytes.js';
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { DecodedCommit } from '../../crypto/threshold.js';
import type { DomainEntry, Payload } from '../entries.js';
import type { Context, VoteIndex } from '../fold.js';
import * as secret from '../secret.js';
import type { KeyState } from '../state.js';
import { counted } from './count.js';
import { reject } from './reject.js';

/** How many trustees must decrypt together at least (VOTE-3: no single person can read a ballot). */
export const MIN_THRESHOLD = 2;

/** A secret vote needs a ready meeting key. */
export function openSecret(ctx: Context, id: string | undefined): void {
  const key = ctx.keys.get(id ?? '') ?? reject(`vote.open: a secret vote needs a ready meeting key (key '${id ?? ''}' unknown)`);
  if (key.key.status !== 'ready') reject(`vote.open: meeting key '${key.key.id}' is ${key.key.status}, not ready`);
}

/** At the close: the sum of the counted ballots, which waits for t trustees' partial decryptions. */
export function aggregateSecret(ctx: Context, index: VoteIndex): void {
  const v = index.vote;
  const ballots = v.ballots.filter((b) => b.status === 'counted').map((b) => ({ entry: b.entry, cts: index.secret.get(b.entry)!.cts }));
  if (ballots.length === 0) return counted(ctx, v, Object.fromEntries(v.options.map((o) => [o, 0])));
  index.aggregate = secret.aggregate(ballots, v.options.length - 1);
  v.aggregate = { a: [...index.aggregate.a], b: [...index.aggregate.b] };
  v.decryption = 'waiting';
}

export function votePartial(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'vote.partial'>): void {
  const index = ctx.vote(e, p.vote, 'vote.partial');
  const v = index.vote;
  const agg = (v.mode === 'secret' && v.decryption === 'waiting' && index.aggregate) || reject(`vote.partial: '${v.id}' awaits no decryption`);
  const key = ctx.keys.get(v.key!)!;
  const trustee = cert.person;
  const at = key.key.trustees.indexOf(trustee);
  if (at < 0 || key.key.devices[trustee] !== toHex(e.author)) reject(`vote.partial: only a trustee's key device of '${key.key.id}' may decrypt`);
  if (v.partials.some((x) => x.trustee === trustee)) reject(`vote.partial: trustee '${trustee}' has already decrypted '${v.id}'`);
  const valid = secret.partialValid(e.id, ctx.meetingRef, v.id, at + 1, key.keys!.verification[at]!, agg, p);
  v.partials.push({ trustee, index: at + 1, entry: e.id, valid });
  if (!valid) return;
  index.partials.push({ index: at + 1, entry: e.id, shares: p.shares });
  if (index.partials.length < key.key.threshold) return;
  const n = v.ballots.filter((b) => b.status === 'counted').length;
  const plain = secret.decrypt(agg, index.partials, n);
  if (!plain) {
    v.decryption = 'failed';
    return;
  }
  const counts: Record<string, number> = {};
  v.options.slice(0, -1).forEach((o, i) => (counts[o] = plain[i]!));
  counts.abstain = n - plain.reduce((a, b) => a + b, 0);
  counted(ctx, v, counts);
}

export function keySetup(ctx: Context, _e: Envelope, _cert: CertBody, p: Payload<'key.setup'>): void {
  if (ctx.s.session === 'closed') reject('key.setup: the session is closed');
  if (ctx.keys.has(p.key)) reject(`key.setup: key '${p.key}' already exists`);
  const trustees = [...new Set(p.trustees)];
  if (trustees.length !== p.trustees.length) reject('key.setup: a trustee is named twice');
  if (trustees.some((t) => !ctx.persons.has(t))) reject('key.setup: every trustee must be a person of this body');
  // VOTE-3: with one trustee enough, that trustee alone could decrypt a single ballot.
  if (p.threshold < MIN_THRESHOLD) reject(`key.setup: the threshold must be at least ${MIN_THRESHOLD}, so that no single trustee can decrypt a ballot`);
  if (p.threshold > trustees.length) reject('key.setup: the threshold exceeds the number of trustees');
  const key: KeyState = { id: p.key, trustees, threshold: p.threshold, devices: {}, committed: [], dealt: [], acknowledged: [], status: 'setup', joint: null, problem: null };
  ctx.s.keys.push(key);
  ctx.keys.set(p.key, { key, dealers: new Map(), keys: null });
}

type KeyStep = Extract<DomainEntry, { kind: 'key.commit' | 'key.shares' | 'key.ok' | 'key.complaint' }>;

export function keyStep(ctx: Context, e: Envelope, cert: CertBody, payload: KeyStep['payload']): void {
  const entry = { kind: e.kind, payload } as KeyStep;
  const k = ctx.keys.get(entry.payload.key) ?? reject(`${entry.kind}: no key '${entry.payload.key}'`);
  const key = k.key;
  const me = cert.person;
  const index = key.trustees.indexOf(me) + 1;
  if (index === 0) reject(`${entry.kind}: '${me}' is no trustee of key '${key.id}'`);
  if (key.status !== 'setup') reject(`${entry.kind}: key '${key.id}' is ${key.status}`);
  const device = toHex(e.author);
  if (entry.kind === 'key.commit') {
    if (Object.hasOwn(key.devices, me)) reject(`key.commit: trustee '${me}' has already committed`);
    const d = secret.dealer(e.id, ctx.meetingRef, key.id, index, key.threshold, entry.payload);
    if (typeof d === 'string') reject(`key.commit: ${d}`);
    key.devices[me] = device;
    k.dealers.set(index, d as DecodedCommit);
    key.committed.push(me);
    return;
  }
  if (key.devices[me] !== device) reject(`${entry.kind}: only the device that committed for '${me}' may continue`);
  if (entry.kind === 'key.complaint') {
    key.status = 'failed';
    key.problem = `${me} (trustee ${index}) complains about trustee ${entry.payload.against}: ${entry.payload.reason}`;
    return;
  }
  if (key.committed.length < key.trustees.length) reject(`${entry.kind}: not every trustee has committed yet`);
  if (entry.kind === 'key.shares') {
    if (key.dealt.includes(me)) reject(`key.shares: trustee '${me}' has already dealt`);
    const to = entry.payload.shares.map((x) => x.to).sort((a, b) => a - b).join(',');
    const want = key.trustees.map((_, i) => i + 1).filter((i) => i !== index).join(',');
    if (to !== want) reject(`key.shares: shares for trustees ${want} expected`);
    key.dealt.push(me);
    return;
  }
  if (key.dealt.length < key.trustees.length) reject('key.ok: not every trustee has dealt yet');
  if (key.acknowledged.includes(me)) return;
  key.acknowledged.push(me);
  if (key.acknowledged.length < key.trustees.length) return;
  k.keys = secret.keysOf(key.id, key.trustees.map((_, i) => k.dealers.get(i + 1)!), key.trustees.length);
  key.joint = k.keys.joint;
  key.status = 'ready';
}

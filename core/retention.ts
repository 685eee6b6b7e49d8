/**
 * Retention of personal data (DS-2, § 7 Abs. 4 DigiSiVO; docs/PROTOCOL.md "Retention"): the kinds of
 * personal data the relay and devices hold, their default periods, the clock rule that keeps a clock set
 * wrong from deleting early, and the signed deletion records with their check (`ratsraum verify-deletions`).
 * The meeting logs (the decision record, from which the minutes are made) are archival records under GO NRW
 * § 52 and the Archivgesetz NRW: no kind covers them, so retention never deletes them.
 */
import { fromHex, toHex, utf8 } from '../crypto/bytes.js';
import { canonicalJson } from '../crypto/canonical.js';
import { type Signer, verify } from '../crypto/ed25519.js';
import { fingerprint, sha256 } from '../crypto/hash.js';
import { adminInput, type AdminRequest } from './identity.js';

export const RETENTION_KINDS = ['invitations', 'logins', 'audit', 'quality', 'recordings', 'registrations', 'questions', 'revoked-devices'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

const DAY = 24 * 60;
/** Default periods in minutes. The handbook names none; these are ours (docs/PROTOCOL.md "Retention" gives the why). */
export const DEFAULT_PERIODS: Record<RetentionKind, number> = {
  invitations: 30 * DAY,
  logins: 90 * DAY,
  audit: 3 * 365 * DAY,
  quality: 1 * DAY,
  recordings: 90 * DAY,
  registrations: 30 * DAY,
  questions: 365 * DAY,
  'revoked-devices': 90 * DAY,
};
/** Limits of a period a tenant may set: one minute (tests) to 30 years. */
export const MIN_PERIOD = 1;
export const MAX_PERIOD = 30 * 365 * DAY;

export type Periods = Record<RetentionKind, number>;

/** The tenant's periods over the defaults; throws a RangeError for an unknown kind or a period out of limits. */
export function checkPeriods(p: unknown): Partial<Periods> {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new RangeError('retention: periods must be an object');
  for (const [k, m] of Object.entries(p)) {
    if (!(RETENTION_KINDS as readonly string[]).includes(k)) throw new RangeError(`retention: unknown kind '${k}'`);
    if (!Number.isInteger(m) || (m as number) < MIN_PERIOD || (m as number) > MAX_PERIOD) throw new RangeError(`retention: period of '${k}' must be whole minutes from ${MIN_PERIOD} to ${MAX_PERIOD}`);
  }
  return p as Partial<Periods>;
}

/**
 * The time up to which deletion may trust the relay's clock: its wall clock, but never beyond what was
 * witnessed otherwise, i.e. the trusted time of the previous run advanced by a monotonic clock, or the newest
 * time a device signed (a beacon). A clock set ahead therefore deletes nothing early; after a restart
 * deletion may come late (by the downtime, until a device signs a newer time), never early.
 */
export const trustedNow = (wall: number, witnessed: number): number => Math.min(wall, witnessed);

export const RETENTION_DOMAIN = 'ratsraum/retention/v1\n';
export const ZERO_HASH = '0'.repeat(64);
/** Named in every record: what retention keeps, as the law requires. */
export const KEPT =
  'Meeting logs (the signed decision record) and the minutes made from them are archival records (GO NRW § 52, ArchivG NRW) and are never deleted by retention; so are device certificates (needed to check the logs) and these deletion records.';

/** A deletion record: what kind, how many, which period; never anything of the deleted content. */
export interface DeletionBody {
  v: 1;
  tenant: string;
  /** 1, 2, … per tenant; `prev` is the hash of the previous record's signed bytes (a removed record breaks the chain). */
  seq: number;
  prev: string;
  kind: RetentionKind;
  count: number;
  /** Oldest and newest time (ms) of the deleted items by the rule of their kind. */
  from: number;
  to: number;
  /** The period in force (minutes) and the cutoff: items older than `cutoff` = `now` - period were deleted. */
  period: number;
  cutoff: number;
  /** The trusted time of the run (`trustedNow`), and the relay's wall clock then. */
  now: number;
  wall: number;
  kept: string;
}
export interface DeletionRecord {
  body: DeletionBody;
  sig: string;
}

const BODY_KEYS = ['v', 'tenant', 'seq', 'prev', 'kind', 'count', 'from', 'to', 'period', 'cutoff', 'now', 'wall', 'kept'].sort().join(',');

export const deletionInput = (b: DeletionBody): Uint8Array => utf8(RETENTION_DOMAIN + canonicalJson(b));
export const recordHash = (b: DeletionBody): string => toHex(sha256(deletionInput(b)));

export async function signDeletion(signer: Signer, b: Omit<DeletionBody, 'v' | 'kept'>): Promise<DeletionRecord> {
  const body: DeletionBody = { v: 1, ...b, kept: KEPT };
  return { body, sig: toHex(await signer.sign(deletionInput(body))) };
}

/** What `ratsraum deletions` writes and `ratsraum verify-deletions` reads. */
export interface DeletionsFile {
  format: 'ratsraum-deletions/v1';
  tenant: string;
  tenantKey: string;
  /** The relay's retention key (hex) and the admin request signed by the tenant key that certifies it. */
  relayKey: string;
  certification: { req: AdminRequest; sig: string } | null;
  records: DeletionRecord[];
}

export interface DeletionsVerdict {
  verdict: 'ok' | 'pending' | 'failed';
  problems: string[];
  pending: string[];
  records: number;
  deleted: Partial<Record<RetentionKind, number>>;
  tenantKeyFingerprint?: string;
  relayKeyFingerprint?: string;
}

const isHex = (s: unknown, n: number): s is string => typeof s === 'string' && new RegExp(`^[0-9a-f]{${n}}$`).test(s);
const isTime = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** Checks a deletions file: every signature, the chain, each record's own arithmetic, the certification. */
export async function verifyDeletions(file: unknown, o: { tenantKey?: string } = {}): Promise<DeletionsVerdict> {
  const problems: string[] = [];
  const pending: string[] = [];
  const deleted: Partial<Record<RetentionKind, number>> = {};
  const f = file as Partial<DeletionsFile> | null;
  const fail = (p: string): DeletionsVerdict => ({ verdict: 'failed', problems: [p], pending, records: 0, deleted });
  if (!f || typeof f !== 'object' || f.format !== 'ratsraum-deletions/v1') return fail('format: not a ratsraum-deletions/v1 file');
  if (typeof f.tenant !== 'string' || !isHex(f.tenantKey, 64) || !isHex(f.relayKey, 64) || !Array.isArray(f.records)) return fail('format: tenant, tenantKey, relayKey and records are required');
  const tenantKey = fromHex(f.tenantKey, 32);
  const relayKey = fromHex(f.relayKey, 32);
  const tenantKeyFingerprint = fingerprint(tenantKey);
  if (o.tenantKey !== undefined && o.tenantKey.replace(/\s/g, '').toLowerCase() !== tenantKeyFingerprint.replace(/ /g, '')) problems.push('tenant key: does not match the expected fingerprint');
  const c = f.certification;
  if (!c) pending.push('relay key: not certified by the tenant key (admin request retention.save naming it)');
  else if (
    typeof c !== 'object' || !isHex(c.sig, 128) || c.req?.action !== 'retention.save' || c.req.tenant !== f.tenant ||
    (c.req.data as { relayKey?: unknown } | null)?.relayKey !== f.relayKey || !(await verify(fromHex(c.sig, 64), adminInput(c.req), tenantKey).catch(() => false))
  )
    problems.push('relay key: the certification is not a retention.save request for this relay key signed by the tenant key');
  let prev = ZERO_HASH;
  for (const [i, r] of f.records.entries()) {
    const b = r?.body as DeletionBody | undefined;
    const at = `record ${i + 1}`;
    if (!b || typeof b !== 'object' || Object.keys(b).sort().join(',') !== BODY_KEYS) {
      problems.push(`${at}: not a deletion record (fields other than ${BODY_KEYS})`);
      break;
    }
    if (!isHex(r.sig, 128) || !(await verify(fromHex(r.sig, 64), deletionInput(b), relayKey).catch(() => false))) problems.push(`${at}: signature does not verify under the relay key`);
    if (b.v !== 1 || b.tenant !== f.tenant || b.seq !== i + 1) problems.push(`${at}: version, tenant or sequence number wrong (expected seq ${i + 1})`);
    if (b.prev !== prev) problems.push(`${at}: does not follow the previous record (a record is missing or reordered)`);
    if (!(RETENTION_KINDS as readonly string[]).includes(b.kind)) problems.push(`${at}: unknown kind '${String(b.kind)}'`);
    if (!Number.isSafeInteger(b.count) || b.count < 1) problems.push(`${at}: count must be a positive whole number`);
    if (![b.from, b.to, b.cutoff, b.now, b.wall].every(isTime) || !Number.isInteger(b.period) || b.period < MIN_PERIOD || b.period > MAX_PERIOD) problems.push(`${at}: times and period must be whole numbers in range`);
    else {
      if (!(b.from <= b.to && b.to < b.cutoff)) problems.push(`${at}: deleted items must lie before the cutoff (from <= to < cutoff)`);
      if (b.cutoff !== b.now - b.period * 60_000) problems.push(`${at}: cutoff is not now minus the period`);
      if (b.now > b.wall) problems.push(`${at}: trusted time lies after the relay's clock`);
    }
    if (b.kept !== KEPT) problems.push(`${at}: does not state what retention keeps`);
    if (problems.length === 0) deleted[b.kind] = (deleted[b.kind] ?? 0) + b.count;
    prev = recordHash(b);
  }
  return {
    verdict: problems.length ? 'failed' : pending.length ? 'pending' : 'ok',
    problems,
    pending,
    records: f.records.length,
    deleted,
    tenantKeyFingerprint,
    relayKeyFingerprint: fingerprint(relayKey),
  };
}

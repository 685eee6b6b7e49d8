/** DS-2 in core/retention.ts: deletion records, their check as an independent verifier would make it, periods, the clock rule. */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.js';
import { generateSeed, signerFromSeed } from '../../crypto/ed25519.js';
import { fingerprint } from '../../crypto/hash.js';
import { signAdmin } from '../../core/identity.js';
import { checkPeriods, type DeletionRecord, type DeletionsFile, KEPT, MAX_PERIOD, recordHash, signDeletion, trustedNow, verifyDeletions, ZERO_HASH } from '../../core/retention.js';

const T = Date.parse('2026-12-01T12:00:00Z');

async function honest(): Promise<{ file: DeletionsFile; fp: string }> {
  const tenant = await signerFromSeed(generateSeed());
  const relay = await signerFromSeed(generateSeed());
  const relayKey = toHex(relay.publicKey);
  const certification = await signAdmin(tenant, 'musterstadt', 'retention.save', { periods: { invitations: 1 }, relayKey }, T);
  const records: DeletionRecord[] = [];
  let prev = ZERO_HASH;
  for (const [i, [kind, count]] of ([['invitations', 2], ['logins', 5]] as const).entries()) {
    const r = await signDeletion(relay, { tenant: 'musterstadt', seq: i + 1, prev, kind, count, from: T - 30 * 60_000, to: T - 20 * 60_000, period: 1, cutoff: T - 60_000, now: T, wall: T });
    prev = recordHash(r.body);
    records.push(r);
  }
  return { file: { format: 'ratsraum-deletions/v1', tenant: 'musterstadt', tenantKey: toHex(tenant.publicKey), relayKey, certification, records }, fp: fingerprint(tenant.publicKey) };
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('DS-2 deletion records', () => {
  it('DS-2 an honest deletions file verifies and names kind, count and period of each deletion, and what is kept', async () => {
    const { file, fp } = await honest();
    const r = await verifyDeletions(clone(file), { tenantKey: fp });
    expect(r).toMatchObject({ verdict: 'ok', problems: [], pending: [], records: 2, deleted: { invitations: 2, logins: 5 } });
    expect(file.records[0]!.body).toMatchObject({ kind: 'invitations', count: 2, from: T - 30 * 60_000, to: T - 20 * 60_000, period: 1 });
    expect(file.records[0]!.body.kept).toBe(KEPT);
    expect(KEPT).toMatch(/never deleted/);
  });

  it('DS-2 a changed count, a changed period or a removed record fails the check', async () => {
    const { file, fp } = await honest();
    const count = clone(file);
    count.records[0]!.body.count = 1;
    expect((await verifyDeletions(count, { tenantKey: fp })).problems.join()).toMatch(/record 1: signature/);
    const gone = clone(file);
    gone.records.shift();
    const g = await verifyDeletions(gone, { tenantKey: fp });
    expect(g.verdict).toBe('failed');
    expect(g.problems.join()).toMatch(/does not follow the previous record/);
  });

  it('DS-2 a record carrying content (an extra field), even correctly signed, fails the check', async () => {
    const relay = await signerFromSeed(generateSeed());
    const { file, fp } = await honest();
    const r = await signDeletion(relay, { ...file.records[0]!.body, seq: 1 });
    (r.body as unknown as Record<string, unknown>).emails = ['alt@example.org'];
    const f = { ...clone(file), relayKey: toHex(relay.publicKey), records: [r] };
    expect((await verifyDeletions(f, { tenantKey: fp })).problems.join()).toMatch(/not a deletion record/);
  });

  it('DS-2 a record whose arithmetic does not hold (items after the cutoff) fails even when signed', async () => {
    const relay = await signerFromSeed(generateSeed());
    const { file, fp } = await honest();
    const r = await signDeletion(relay, { tenant: 'musterstadt', seq: 1, prev: ZERO_HASH, kind: 'audit', count: 1, from: T, to: T, period: 1, cutoff: T - 60_000, now: T, wall: T });
    const f = { ...clone(file), relayKey: toHex(relay.publicKey), certification: null, records: [r] };
    expect((await verifyDeletions(f, { tenantKey: fp })).problems.join()).toMatch(/before the cutoff/);
  });

  it('DS-2 an uncertified relay key is pending; a certification for another key or by another tenant key fails', async () => {
    const { file, fp } = await honest();
    expect(await verifyDeletions({ ...clone(file), certification: null }, { tenantKey: fp })).toMatchObject({ verdict: 'pending' });
    const other = await signerFromSeed(generateSeed());
    const forged = await signAdmin(other, 'musterstadt', 'retention.save', { relayKey: file.relayKey }, T);
    expect((await verifyDeletions({ ...clone(file), certification: forged }, { tenantKey: fp })).problems.join()).toMatch(/certification/);
    expect((await verifyDeletions(clone(file), { tenantKey: fingerprint(other.publicKey) })).problems.join()).toMatch(/tenant key/);
  });

  it('DS-2 periods: whole minutes from 1 to 30 years, known kinds only', () => {
    expect(checkPeriods({ invitations: 1, recordings: MAX_PERIOD })).toEqual({ invitations: 1, recordings: MAX_PERIOD });
    for (const bad of [{ invitations: 0 }, { invitations: 1.5 }, { invitations: MAX_PERIOD + 1 }, { envelopes: 10 }, null, [1]]) expect(() => checkPeriods(bad)).toThrow(RangeError);
  });

  it('DS-2 a clock set ahead is trusted only up to the witnessed time', () => {
    expect(trustedNow(T + 365 * 86_400_000, T)).toBe(T);
    expect(trustedNow(T - 1000, T)).toBe(T - 1000);
  });
});

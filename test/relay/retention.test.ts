/**
 * DS-2 on the relay: periods set to minutes by a request the tenant key signed, a run with an injected clock,
 * and the proof taken where an auditor would look: the SQLite files themselves (rows, raw bytes), the
 * recordings folder, and the deletion records checked by `ratsraum verify-deletions` in a process of its own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { generateSeed, publicKeyOf, signerFromSeed, type Signer } from '../../crypto/ed25519.js';
import { fingerprint } from '../../crypto/hash.js';
import { signAdmin } from '../../core/identity.js';
import { type DeletionsFile, RETENTION_KINDS } from '../../core/retention.js';
import { Retention } from '../../relay/retention.js';
import { openIdentityDatabases } from '../../relay/store-open.js';
import { cleanup, demoRelay, until } from '../helpers/relay.js';

const MIN = 60_000;
const T = Date.now();
let clock = { wall: T, mono: 0 };
let s: Awaited<ReturnType<typeof demoRelay>>;
let admin: Signer;

const post = async (body: unknown) => {
  const r = await fetch(`${s.relay.url}/api/${s.demo.tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};
const setPeriods = async (minutes: number) => {
  const relayKey = ((await post(await signAdmin(admin, s.demo.tenant, 'retention', null))).json as { relayKey: string }).relayKey;
  const r = await post(await signAdmin(admin, s.demo.tenant, 'retention.save', { periods: Object.fromEntries(RETENTION_KINDS.map((k) => [k, minutes])), relayKey }));
  expect(r.status).toBe(200);
};

/** One item of every stored kind, dated `at`, each carrying the tag, so the files can be searched for it. Younger first: a new session clears expired ones. */
async function seed(tag: string, at: number): Promise<void> {
  const id = s.relay.identity;
  const tenant = s.demo.tenant;
  await id.invitations.create({ tenant, person: `p-${tag}`, email: `${tag}@example.org`, now: at, ttlMs: MIN / 2 });
  await id.audit.add(tenant, { at, actor: 'relay', action: 'login', person: `p-${tag}`, summary: `${tag} logged in`, request: null, sig: null });
  await id.audit.add(tenant, { at, actor: 'admin', action: 'invite', person: `p-${tag}`, summary: `invited ${tag}`, request: null, sig: null });
  const device = toHex(publicKeyOf(generateSeed()));
  await id.enrolments.begin({ tenant, device, person: `p-${tag}`, grant: { name: `Name ${tag}`, roles: ['member'], bodies: [] }, token: `token-${tag}` }, at);
  await id.totp.create(tenant, device, `label-${tag}`);
  await id.enrolments.openSession(tenant, device, at, MIN / 2);
  await id.enrolments.setState(tenant, device, 'revoked', at);
  const dir = join(s.dataDir, 'recordings', tenant, s.demo.meeting);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${tag}-video.mjr`);
  writeFileSync(file, `recording ${tag}`);
  utimesSync(file, at / 1000, at / 1000);
}

/** Rows per table of every SQLite file in the data folder, read from the files with a connection of our own. */
function counts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of ['relay.sqlite', 'identity.sqlite', 'directory.sqlite']) {
    const db = new Database(join(s.dataDir, f), { readonly: true });
    for (const { name } of db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all())
      out[`${f}:${name}`] = db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM "${name}"`).get()!.n;
    db.close();
  }
  return out;
}
const diff = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));

/** Whether the tag is anywhere in the identity database's bytes (file and WAL), or in a row of it. */
function inIdentityFile(tag: string): boolean {
  const bytes = ['identity.sqlite', 'identity.sqlite-wal'].map((f) => join(s.dataDir, f)).filter(existsSync).map((f) => readFileSync(f).toString('latin1'));
  return bytes.some((b) => b.includes(`${tag}@example.org`) || b.includes(`p-${tag}`));
}
const recording = (tag: string) => existsSync(join(s.dataDir, 'recordings', s.demo.tenant, s.demo.meeting, `${tag}-video.mjr`));
/** The CLI in a process of its own; asynchronous, so the test worker stays responsive on a loaded machine. */
const cli = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((ok, fail) => {
    const child = spawn(process.execPath, ['bin/ratsraum.mjs', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', fail);
    child.on('close', (status) => ok({ status, stdout, stderr }));
  });

beforeAll(async () => {
  s = await demoRelay({ relay: { retention: { intervalMs: 3_600_000, clock: { wall: () => clock.wall, mono: () => clock.mono } } } });
  admin = await signerFromSeed(fromHex(s.demo.tenantSeed, 32));
});
afterAll(async () => {
  await s.relay.close();
  cleanup(s.dataDir);
});

describe('DS-2 retention on the relay', () => {
  it('DS-2 with periods of one minute, what is older is gone from identity.sqlite (rows and bytes) and the recordings folder; the rest and every other table stay', async () => {
    await setPeriods(1);
    await seed('young', T - 10_000);
    await seed('old', T - 20 * MIN);
    const before = counts();
    expect(inIdentityFile('old')).toBe(true);
    const made = await s.relay.retention.run();
    const after = counts();
    // Exactly the old item of each kind went, and one deletion record per kind came: no other table changed.
    expect(diff(before, after)).toEqual({
      'identity.sqlite:invitations': -1,
      'identity.sqlite:audit': -2,
      'identity.sqlite:sessions': -1,
      'identity.sqlite:enrolments': -1,
      'identity.sqlite:totp': -1,
      'identity.sqlite:retention_records': 5,
      'identity.sqlite:retention_clock': 1,
    });
    expect(made.map((r) => [r.body.kind, r.body.count])).toEqual([['invitations', 1], ['logins', 2], ['audit', 1], ['recordings', 1], ['revoked-devices', 1]]);
    expect(inIdentityFile('old')).toBe(false);
    expect(inIdentityFile('young')).toBe(true);
    expect(recording('old')).toBe(false);
    expect(recording('young')).toBe(true);
    const db = new Database(join(s.dataDir, 'identity.sqlite'), { readonly: true });
    expect(db.prepare("SELECT COUNT(*) AS n FROM invitations WHERE email = 'young@example.org'").get()).toEqual({ n: 1 });
    db.close();
  });

  it('DS-2 a relay clock set a year ahead deletes nothing early: rows younger than the period survive in the SQLite file', async () => {
    await setPeriods(10);
    await seed('mid', T - 5 * MIN);
    await seed('older', T - 15 * MIN);
    const before = counts();
    clock = { wall: T + 365 * 24 * 60 * MIN, mono: clock.mono + MIN };
    const made = await s.relay.retention.run();
    // Trusted only up to the last run plus the monotonic minute since: the cutoff is T + 1 min - 10 min.
    expect(made.every((r) => r.body.now === T + MIN && r.body.wall === clock.wall && r.body.cutoff === T - 9 * MIN)).toBe(true);
    expect(inIdentityFile('mid')).toBe(true);
    expect(recording('mid')).toBe(true);
    expect(inIdentityFile('older')).toBe(false);
    expect(recording('older')).toBe(false);
    const db = new Database(join(s.dataDir, 'identity.sqlite'), { readonly: true });
    expect(db.prepare("SELECT COUNT(*) AS n FROM audit WHERE person IN ('p-mid', 'p-young')").get()).toEqual({ n: 4 });
    expect(db.prepare("SELECT COUNT(*) AS n FROM enrolments WHERE person = 'p-mid'").get()).toEqual({ n: 1 });
    db.close();
    expect(Object.keys(diff(before, counts())).sort()).toEqual(['identity.sqlite:audit', 'identity.sqlite:enrolments', 'identity.sqlite:invitations', 'identity.sqlite:retention_records', 'identity.sqlite:sessions', 'identity.sqlite:totp']);
  });

  it('DS-2 after a restart with the clock a year ahead, the run trusts only the time stored by the last run', async () => {
    await seed('restart-mid', T - 5 * MIN);
    await seed('restart-old', T - 20 * MIN);
    const dbs = await openIdentityDatabases(s.dataDir);
    const restarted = new Retention({ dataDir: s.dataDir, store: s.relay.store, db: dbs.identity, clock: { wall: () => T + 365 * 24 * 60 * MIN, mono: () => 0 } });
    try {
      const made = await restarted.run();
      expect(made.map((r) => [r.body.kind, r.body.count, r.body.now])).toEqual(['invitations', 'logins', 'audit', 'recordings', 'revoked-devices'].map((k) => [k, k === 'logins' ? 2 : 1, T + MIN]));
    } finally {
      await restarted.close();
      await dbs.close();
    }
    expect(inIdentityFile('restart-mid')).toBe(true);
    expect(recording('restart-mid')).toBe(true);
    expect(inIdentityFile('restart-old')).toBe(false);
  });

  it('DS-2 `ratsraum retention --now` far ahead deletes only up to the witnessed time', async () => {
    await seed('cli-mid', T - 5 * MIN);
    await seed('cli-old', T - 30 * MIN);
    const r = await cli('retention', '--data', s.dataDir, '--now', '2099-01-01T00:00:00Z');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { body: { kind: string; count: number } });
    expect(lines.map((l) => l.body.kind).sort()).toEqual(['audit', 'invitations', 'logins', 'recordings', 'revoked-devices']);
    expect(inIdentityFile('cli-old')).toBe(false);
    expect(recording('cli-old')).toBe(false);
    expect(inIdentityFile('cli-mid')).toBe(true);
    expect(recording('cli-mid')).toBe(true);
  }, 300_000); // a CLI child starts slowly on a loaded machine

  it('DS-2 the deletion records verify with `ratsraum verify-deletions`, name kind, count and period, carry nothing of the content, and a changed count fails', async () => {
    const out = await cli('deletions', '--data', s.dataDir, '--tenant', s.demo.tenant);
    expect(out.status, out.stderr).toBe(0);
    const file = JSON.parse(out.stdout) as DeletionsFile;
    expect(file.records.length).toBe(20);
    expect(file.records[0]!.body).toMatchObject({ seq: 1, kind: 'invitations', count: 1, from: T - 20 * MIN + MIN / 2, to: T - 20 * MIN + MIN / 2, period: 1 });
    for (const tag of ['old', 'older', 'restart-old', 'cli-old']) {
      expect(out.stdout).not.toContain(`${tag}@example.org`);
      expect(out.stdout).not.toContain(`p-${tag}`);
      expect(out.stdout).not.toContain(`${tag}-video`);
    }
    const fp = fingerprint(fromHex(file.tenantKey, 32));
    const path = join(s.dataDir, 'deletions.json');
    writeFileSync(path, out.stdout);
    const ok = await cli('verify-deletions', path, '--tenant-key', fp);
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^OK: 20 deletion records; deleted invitations 4, logins 8, audit 4, recordings 4, revoked-devices 4/);
    const tampered = JSON.parse(out.stdout) as DeletionsFile;
    tampered.records[4]!.body.count = 0 + 2;
    writeFileSync(path, JSON.stringify(tampered));
    const bad = await cli('verify-deletions', path, '--tenant-key', fp);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/record 5: signature does not verify/);
  }, 300_000);

  it('DS-2 the admin API refuses periods out of limits and a request that does not name this relay\'s retention key', async () => {
    const relayKey = s.relay.retention.relayKey;
    expect((await post(await signAdmin(admin, s.demo.tenant, 'retention.save', { periods: { invitations: 0 }, relayKey }))).json.code).toBe('bad-retention');
    expect((await post(await signAdmin(admin, s.demo.tenant, 'retention.save', { periods: { envelopes: 5 }, relayKey }))).json.code).toBe('bad-retention');
    expect((await post(await signAdmin(admin, s.demo.tenant, 'retention.save', { periods: { invitations: 5 }, relayKey: toHex(publicKeyOf(generateSeed())) }))).json.code).toBe('bad-retention');
    const other = await signerFromSeed(generateSeed());
    expect((await post(await signAdmin(other, s.demo.tenant, 'retention.save', { periods: { invitations: 5 }, relayKey }))).status).toBe(403);
    // What devices prune by: public, and still the ten minutes saved last.
    const pub = (await (await fetch(`${s.relay.url}/api/${s.demo.tenant}/retention`)).json()) as { periods: Record<string, number> };
    expect(pub.periods).toEqual(Object.fromEntries(RETENTION_KINDS.map((k) => [k, 10])));
  });
  it('DS-2 recordings are kept for the period their meeting\'s log decided (legal.recording.retentionDays), other meetings\' for the tenant\'s', async () => {
    await setPeriods(1);
    const root = join(s.dataDir, 'recordings', s.demo.tenant);
    const decided = join(root, 'decided');
    const other = join(root, 'other');
    mkdirSync(decided, { recursive: true });
    mkdirSync(other, { recursive: true });
    writeFileSync(join(decided, 'retention.json'), JSON.stringify({ retentionDays: 1 }));
    const file = (dir: string, name: string, at: number) => {
      writeFileSync(join(dir, name), name);
      utimesSync(join(dir, name), at / 1000, at / 1000);
    };
    file(decided, 'hour-old.mjr', T - 60 * MIN); // younger than the day its log decided
    file(decided, 'two-days-old.mjr', T - 2 * 1440 * MIN);
    file(other, 'hour-old.mjr', T - 60 * MIN); // older than the tenant's minute
    const made = (await s.relay.retention.run()).filter((r) => r.body.kind === 'recordings');
    expect(readdirSync(decided).sort()).toEqual(['hour-old.mjr', 'retention.json']);
    expect(readdirSync(other)).toEqual([]);
    expect(made.filter((r) => r.body.period === 1440).map((r) => r.body.count)).toEqual([1]); // its own record, its own period
    expect(made.filter((r) => r.body.period === 1)).toHaveLength(1);
  });
});

describe('DS-2 the relay deletes on its own', () => {
  it('DS-2 the retention timer deletes an expired invitation without being asked, and leaves a record', async () => {
    const t = await demoRelay({ relay: { retention: { intervalMs: 200 } } });
    try {
      const a = await signerFromSeed(fromHex(t.demo.tenantSeed, 32));
      const r = await fetch(`${t.relay.url}/api/${t.demo.tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await signAdmin(a, t.demo.tenant, 'retention.save', { periods: { invitations: 1 }, relayKey: t.relay.retention.relayKey })) });
      expect(r.status).toBe(200);
      await t.relay.identity.invitations.create({ tenant: t.demo.tenant, person: 'p-timer', email: 'timer@example.org', now: Date.now() - 10 * MIN, ttlMs: MIN });
      await until(async () => (await t.relay.retention.records(t.demo.tenant)).some((x) => x.body.kind === 'invitations'), 'a deletion record of the timer', 60_000);
      const db = new Database(join(t.dataDir, 'identity.sqlite'), { readonly: true });
      expect(db.prepare("SELECT COUNT(*) AS n FROM invitations WHERE email = 'timer@example.org'").get()).toEqual({ n: 0 });
      db.close();
    } finally {
      await t.relay.close();
      cleanup(t.dataDir);
    }
  });
});

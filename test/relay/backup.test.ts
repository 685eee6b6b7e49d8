/**
 * DIS-5 backup relay: what it replicates from the primary lets it take over with the same second factor,
 * and the two envelope stores converge (read from both SQLite files) when both are back.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as OTPAuth from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.js';
import { sessionInput } from '../../core/identity.js';
import { startRelay } from '../../relay/server.js';
import { cleanup, demoRelay, demoSigner, device, rawClient, tempDir, until } from '../helpers/relay.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const TOKEN = 'replication-token-of-the-test';

/** A primary with the demo and a backup at another data folder that replicates from it (same secrets.key). */
async function pair() {
  const primary = await demoRelay({ relay: { replication: { token: TOKEN } } });
  const backupDir = tempDir();
  copyFileSync(join(primary.dataDir, 'secrets.key'), join(backupDir, 'secrets.key'));
  const backup = await demoRelay({ dataDir: backupDir, demo: primary.demo, relay: { replication: { from: primary.relay.url, token: TOKEN, intervalMs: 200 } } });
  stops.push(() => cleanup(primary.dataDir, backupDir));
  return { primary, backup };
}

const ids = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], { id: string }>('SELECT id FROM envelopes ORDER BY id').all().map((r) => r.id);
  } finally {
    db.close();
  }
};

describe('backup relay', () => {
  it('DIS-5 the backup relay demands the second factor the device enrolled at the primary (sessions and TOTP replicated, codes spent once)', async () => {
    const { primary, backup } = await pair();
    stops.push(() => backup.relay.close(), () => primary.relay.close());
    const { tenant, meeting } = primary.demo;
    const signer = await demoSigner(primary.demo, 'm02');
    const dev = toHex(signer.publicKey);
    // m02 set up an authenticator at the primary (as enrolment does) and logged in there with it.
    const { uri } = await primary.relay.identity.totp.create(tenant, dev, 'm02');
    const totp = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
    const login = async (base: string, code: string) => {
      const ch = (await (await fetch(`${base}/api/${tenant}/login/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device: dev }) })).json()) as { nonce: string };
      const sig = toHex(await signer.sign(sessionInput(ch.nonce, tenant, dev)));
      const r = await fetch(`${base}/api/${tenant}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device: dev, nonce: ch.nonce, sig, code }) });
      return { status: r.status, json: (await r.json()) as { session?: string; code?: string } };
    };
    const first = totp.generate();
    const atPrimary = await login(primary.relay.url, first);
    expect(atPrimary.status).toBe(200);
    await backup.relay.replicator!.round();

    // At the backup, raw frames: a login without the session is refused with the second-factor code.
    const bare = await rawClient(backup.wsUrl, { tenant, meeting, login: signer });
    expect(bare.errors().map((e) => e.code)).toContain('session');
    await until(() => bare.isClosed(), 'closed');
    expect(bare.closeCode()).toBe(4005);
    expect(bare.of('welcome')).toEqual([]);

    // The session opened at the primary is good at the backup; the code spent there is spent here too.
    const withSession = await device(primary.demo, 'm02', [backup.wsUrl], { session: () => atPrimary.json.session });
    stops.push(() => withSession.client.stop());
    await until(() => withSession.client.status === 'online', 'm02 online at the backup with the primary session').catch((e) => {
      throw new Error(`${e.message}: ${withSession.errors.join(' | ')}`);
    });
    const replay = await login(backup.relay.url, first);
    expect(replay.status).not.toBe(200);
    expect(replay.json.code).toBe('replayed');
  }, 60_000);

  it('DIS-5 backup relay: both stores hold exactly the union of what was signed, after the primary was down and back (SQLite files)', async () => {
    const { primary, backup } = await pair();
    stops.push(() => backup.relay.close());
    const { tenant, meeting } = primary.demo;
    const people = ['m01', 'm02', 'm03'];
    const ds = await Promise.all(people.map((p) => device(primary.demo, p, [primary.wsUrl, backup.wsUrl])));
    stops.push(() => ds.forEach((d) => d.client.stop()));
    await until(() => ds.every((d) => d.client.status === 'online'), 'online at the primary');
    const signed = new Set((await primary.relay.store.all(tenant, meeting, ['public', 'members'])).map((e) => e.id));
    const sign = async (d: (typeof ds)[number], n: number) => {
      for (let i = 0; i < n; i++) signed.add((await d.replica.create('floor.ask', { person: d.person })).id);
    };
    await sign(ds[0]!, 3);
    await until(async () => await primary.relay.store.count() === signed.size, 'primary holds all');
    await until(async () => await backup.relay.store.count() === signed.size, 'backup replicated all');

    const port = primary.relay.port;
    await primary.relay.close();
    await until(() => ds.every((d) => d.client.status === 'online'), 'devices moved to the backup', 30_000);
    for (const d of ds) await sign(d, 2);
    await until(async () => await backup.relay.store.count() === signed.size, 'backup holds what was signed meanwhile');

    // The primary returns; devices stay with the backup (no push from them): only anti-entropy brings it over.
    const again = await startRelay({ dataDir: primary.dataDir, port, quiet: true, demo: true, replication: { token: TOKEN } });
    stops.push(() => again.close());
    await until(async () => await again.store.count() === signed.size, 'the primary has caught up by anti-entropy', 30_000);
    await backup.relay.replicator!.round();
    const sorted = [...signed].sort();
    expect(ids(join(primary.dataDir, 'relay.sqlite'))).toEqual(sorted);
    expect(ids(join(backup.dataDir, 'relay.sqlite'))).toEqual(sorted);
  }, 90_000);
});

/**
 * The relay store's contract (test/relay/store-suite.ts) on PostgreSQL, against a real server started for this
 * file (test/helpers/postgres.ts), plus its numbered migrations.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import { Replica } from '../../core/replica.js';
import { encodeEnvelopes } from '../../core/wire.js';
import { makeDemo, seedDemo } from '../../relay/demo.js';
import { openPostgres, PG_SCHEMA_VERSION } from '../../relay/store-pg.js';
import { pgQuery as query, type Postgres, startPostgres } from '../helpers/postgres.js';
import { cleanup, demoSigner, rawClient, tempDir, until } from '../helpers/relay.js';
import { env, storeSuite } from './store-suite.js';

let server: Postgres;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(() => server?.stop(), 60_000);

storeSuite('PostgreSQL store', async () => {
  const url = await server.createDatabase();
  const raw = async (tenant: string, meeting: string) =>
    (await query<{ id: string; wire: Buffer }>(url, 'SELECT id, wire FROM envelopes WHERE tenant = $1 AND meeting = $2 ORDER BY n', [tenant, meeting])).map((r) => ({ id: r.id, wire: new Uint8Array(r.wire) }));
  return { store: await openPostgres(url), reopen: () => openPostgres(url), raw };
});

describe('PostgreSQL schema versions', { timeout: 60_000 }, () => {
  it('AV-1 relays starting together migrate once; a database from a newer relay is refused', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all([openPostgres(url), openPostgres(url), openPostgres(url)]);
    await Promise.all(stores.map((s) => s.close()));
    expect(await query(url, 'SELECT version FROM ratsraum_schema')).toEqual([{ version: PG_SCHEMA_VERSION }]);
    await query(url, 'UPDATE ratsraum_schema SET version = $1', [PG_SCHEMA_VERSION + 1]);
    await expect(openPostgres(url)).rejects.toThrow(/newer than this relay/);
  });
});

/** A relay in a child process of its own on the PostgreSQL database `url`; resolves with its WebSocket URL. */
function relayProcess(dataDir: string, url: string): Promise<{ child: ChildProcess; wsUrl: string }> {
  const o = { dataDir, store: url, port: 0, quiet: true, demo: true, video: { janus: false, turn: false } };
  const code = `import('./relay/server.ts').then((m) => m.startRelay(${JSON.stringify(o)})).then((r) => console.log('ready ' + r.url))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    child.once('exit', (c) => fail(new Error(`relay exited with ${c}`)));
    child.stdout!.on('data', (b: Buffer) => {
      const m = /ready (http:\/\/\S+)/.exec(b.toString());
      if (m) ok({ child, wsUrl: `${m[1]!.replace('http', 'ws')}/sync` });
    });
  });
}

describe('a relay on PostgreSQL', { timeout: 120_000 }, () => {
  it('AV-1 SEC-1 killed with SIGKILL the moment it acknowledged envelopes, it has lost none of them: each is in PostgreSQL once, byte for byte', async () => {
    const url = await server.createDatabase();
    const demo = makeDemo();
    const seeding = await openPostgres(url);
    await seedDemo(seeding, demo);
    const setup = await seeding.all(demo.tenant, demo.meeting, ['public', 'members']);
    const certs = await seeding.certs(demo.tenant);
    await seeding.close();
    const dataDir = tempDir();
    const { child, wsUrl } = await relayProcess(dataDir, url);
    const exited = new Promise((ok) => child.once('exit', ok));
    try {
      const signer = await demoSigner(demo, 'm01');
      const replica = new Replica({ tenant: demo.tenant, meeting: demo.meeting, tenantKey: (await signerFromSeed(fromHex(demo.tenantSeed, 32))).publicKey, docs: ['public', 'members'], signer });
      await replica.addCerts(certs);
      await replica.receive(setup.map((e) => e.wire));
      const sent = [];
      for (let i = 0; i < 60; i++) sent.push(await replica.create('floor.ask', { person: 'm01' }));
      const c = await rawClient(wsUrl, { tenant: demo.tenant, meeting: demo.meeting, login: signer });
      expect(c.of('welcome')).toHaveLength(1);
      // The kill comes from the frame handler itself: nothing runs on the relay's side between its ack and SIGKILL.
      const acked = new Set<string>();
      const target = 40;
      c.ws.on('message', () => {
        for (const a of c.of('ack')) for (const id of a.ids) acked.add(id);
        if (acked.size >= target && child.exitCode === null) child.kill('SIGKILL');
      });
      for (let i = 0; i < sent.length; i += 5) c.ws.send(encodeEnvelopes(sent.slice(i, i + 5).map((e) => e.wire)));
      await exited;
      expect(acked.size).toBeGreaterThanOrEqual(target);
      // Read back by a client of our own, not through the relay's store.
      const rows = await query<{ id: string; wire: Buffer }>(url, 'SELECT id, wire FROM envelopes WHERE tenant = $1 AND meeting = $2', [demo.tenant, demo.meeting]);
      const byId = new Map(rows.map((r) => [r.id, r.wire]));
      expect(rows.length).toBe(byId.size); // each once
      for (const e of sent.filter((x) => acked.has(x.id))) expect(byId.get(e.id) && Buffer.from(byId.get(e.id)!).equals(Buffer.from(e.wire)), `acknowledged ${e.id.slice(0, 16)}`).toBe(true);
      // And a relay started again on the same database serves them: the log continues where it stood.
      const againDir = tempDir();
      const again = await relayProcess(againDir, url);
      try {
        const d = await rawClient(again.wsUrl, { tenant: demo.tenant, meeting: demo.meeting, login: signer });
        const head = (d.of('welcome')[0]!.frontier.public ?? {})[toHex(signer.publicKey)] ?? 0;
        expect(head).toBeGreaterThanOrEqual(acked.size);
        d.close();
      } finally {
        again.child.kill('SIGKILL');
        cleanup(againDir);
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      cleanup(dataDir);
    }
  });
});

describe('positions on PostgreSQL', { timeout: 120_000 }, () => {
  it('AV-1 a meeting\'s positions commit in their order: an insert stalled between drawing its position and COMMIT is not passed by a later one, so a walk by position (the cluster\'s) skips nothing', async () => {
    const url = await server.createDatabase();
    const store = await openPostgres(url);
    try {
      const slow = env('public', 'a'.repeat(64), 1);
      const fast = env('public', 'b'.repeat(64), 1);
      // The first insert stalls 2 s after its row drew its position, as a loaded server may.
      await query(url, 'CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2); RETURN NEW; END $$');
      await query(url, `CREATE TRIGGER stall AFTER INSERT ON envelopes FOR EACH ROW WHEN (NEW.id = '${slow.id}') EXECUTE FUNCTION stall()`);
      const inserts = [store.insert('t', 'm', slow)];
      await until(async () => (await query(url, "SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'")).length > 0, 'the slow insert holds its position', 60_000);
      inserts.push(store.insert('t', 'm', fast));
      // A walker reads by position meanwhile, as relay/sync/cluster.ts does, and keeps its mark.
      let done = false;
      void Promise.all(inserts).then(() => (done = true));
      let mark = 0;
      const seen: string[] = [];
      const walk = async () => {
        const rows = await store.page('t', 'm', mark, 100);
        seen.push(...rows.map((r) => r.id));
        if (rows.length) mark = rows.at(-1)!.n;
      };
      while (!done) {
        await walk();
        await new Promise((r) => setTimeout(r, 20));
      }
      await walk();
      expect(seen).toEqual([slow.id, fast.id]);
    } finally {
      await store.close();
    }
  });
});

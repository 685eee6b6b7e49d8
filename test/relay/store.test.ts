/**
 * The relay store's contract (test/relay/store-suite.ts) on SQLite, plus SQLite's schema versioning.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, SCHEMA_VERSION } from '../../relay/store.js';
import { cleanup, tempDir } from '../helpers/relay.js';
import { env, storeSuite } from './store-suite.js';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

const A = 'a'.repeat(64);

storeSuite('SQLite store', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const file = join(dir, 'relay.sqlite');
  const raw = async (tenant: string, meeting: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare<[string, string], { id: string; wire: Buffer }>('SELECT id, wire FROM envelopes WHERE tenant = ? AND meeting = ? ORDER BY n').all(tenant, meeting).map((r) => ({ id: r.id, wire: new Uint8Array(r.wire) }));
    } finally {
      db.close();
    }
  };
  return { store: openSqlite(file), reopen: async () => openSqlite(file), raw };
});

describe('SQLite schema versions', () => {
  it('AV-1 migrates a fresh database to the current version and refuses one from a newer relay', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'relay.sqlite');
    await openSqlite(file).close();
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqlite(file)).toThrow(/newer than this relay/);
  });

  it('AV-1 brings a database of the first schema version up to date without losing envelopes', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'relay.sqlite');
    const s = openSqlite(file);
    await s.insert('t', 'm', env('public', A, 1));
    await s.close();
    const db = new Database(file);
    db.exec('DROP INDEX envelopes_meeting_n');
    db.pragma('user_version = 1');
    db.close();
    const again = openSqlite(file);
    expect(await again.all('t', 'm', ['public'])).toHaveLength(1);
    await again.close();
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'envelopes_meeting_n'").get()).toBeDefined();
    check.close();
  });
});

/**
 * The identity database's contract (test/relay/identity-suite.ts) on SQLite: identity.sqlite and
 * directory.sqlite in a data folder, opened twice as two relays on one host would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openIdentityDatabases } from '../../relay/store-open.js';
import { openSqlite } from '../../relay/store.js';
import { cleanup, tempDir } from '../helpers/relay.js';
import { identitySuite } from './identity-suite.js';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

identitySuite('identity database on SQLite', async () => {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const [a, b] = [await openIdentityDatabases(dataDir, 'sqlite'), await openIdentityDatabases(dataDir, 'sqlite')];
  const store = openSqlite(join(dataDir, 'relay.sqlite'));
  // The files as they lie on disk, the write-ahead log included.
  const dump = async () => Buffer.concat(['identity.sqlite', 'identity.sqlite-wal'].map((f) => join(dataDir, f)).filter(existsSync).map((f) => readFileSync(f)));
  return { a, b, store, dataDir, dump, close: async () => void (await Promise.all([a.close(), b.close(), store.close()])) };
});

describe('identity database on SQLite, two relays starting at once', () => {
  it('AV-1 two relays opening one fresh data folder at the same moment both start (the schema is brought up to date once)', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const both = await Promise.all([openIdentityDatabases(dataDir, 'sqlite'), openIdentityDatabases(dataDir, 'sqlite')]);
    expect(both).toHaveLength(2);
    await Promise.all(both.map((x) => x.close()));
  });
});

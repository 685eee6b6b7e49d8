/**
 * Several relays on one host (test/relay/cluster-suite.ts): both relay processes on one data folder, the
 * session log, identity and directory in its SQLite files (WAL mode).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite } from '../../relay/store.js';
import { sharedStore } from '../helpers/cluster.js';
import { cleanup } from '../helpers/relay.js';
import { clusterSuite } from './cluster-suite.js';

clusterSuite('several relays on one SQLite data folder and Redis', async (demos) => {
  const dataDir = await sharedStore(demos);
  return {
    dataDirs: [dataDir, dataDir],
    openStore: async () => openSqlite(join(dataDir, 'relay.sqlite')),
    envelopeRows: async (tenant, meeting) => {
      const db = new Database(join(dataDir, 'relay.sqlite'), { readonly: true });
      try {
        return db.prepare<[string, string], { id: string; n: number }>('SELECT id, COUNT(*) AS n FROM envelopes WHERE tenant = ? AND meeting = ? GROUP BY id').all(tenant, meeting);
      } finally {
        db.close();
      }
    },
    stop: async () => cleanup(dataDir),
  };
});

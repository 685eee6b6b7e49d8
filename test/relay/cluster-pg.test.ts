/**
 * Several relays as on several hosts (test/relay/cluster-suite.ts): one PostgreSQL database holds the session
 * log, identity and directory; each relay has a data folder of its own, into which only the key files
 * (secrets.key, retention.key) were copied, as docs/ops/data-centre.md tells operators to.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedDemo } from '../../relay/demo.js';
import { secretsKey } from '../../relay/identity-db.js';
import { openPostgres } from '../../relay/store-pg.js';
import { pgQuery, type Postgres, startPostgres } from '../helpers/postgres.js';
import { cleanup, tempDir } from '../helpers/relay.js';
import { clusterSuite } from './cluster-suite.js';

clusterSuite('several relays on one PostgreSQL and Redis, a data folder each', async (demos) => {
  const server: Postgres = await startPostgres();
  const url = await server.createDatabase();
  const store = await openPostgres(url);
  for (const d of demos) await seedDemo(store, d);
  await store.close();
  const dataDirs: [string, string] = [tempDir(), tempDir()];
  for (const f of ['secrets.key', 'retention.key']) {
    secretsKey(join(dataDirs[0], f));
    copyFileSync(join(dataDirs[0], f), join(dataDirs[1], f));
  }
  return {
    dataDirs,
    store: url,
    openStore: () => openPostgres(url),
    envelopeRows: (tenant, meeting) => pgQuery<{ id: string; n: number }>(url, 'SELECT id, COUNT(*)::int AS n FROM envelopes WHERE tenant = $1 AND meeting = $2 GROUP BY id', [tenant, meeting]),
    stop: async () => {
      cleanup(...dataDirs);
      await server.stop();
    },
  };
});

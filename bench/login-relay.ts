/** The relay for bench/login, in its own process (one core): a tenant from BENCH_TENANT_KEY, mail to BENCH_SMTP_PORT. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay } from '../relay/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ratsraum-bench-login-'));
const relay = await startRelay({
  dataDir,
  quiet: true,
  smtp: { host: '127.0.0.1', port: Number(process.env.BENCH_SMTP_PORT), from: 'bench@localhost' },
  identityRate: { burst: 1e9, perSecond: 1e9 }, // the benchmark measures the work, not the limiter
});
await relay.store.putTenant('bench', process.env.BENCH_TENANT_KEY!);
console.log(JSON.stringify({ url: relay.url }));
process.on('SIGTERM', async () => {
  await relay.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});

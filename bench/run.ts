/** npm run bench: every benchmark in turn, each printing its figures as ratios against its own baseline. */
import { spawnSync } from 'node:child_process';

for (const b of ['bench/fanout.ts', 'bench/cold-verify.ts', 'bench/secret.ts', 'bench/oparl.ts', 'bench/login.ts', 'bench/attack-http.ts', 'bench/attack.ts']) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', b], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log();
}

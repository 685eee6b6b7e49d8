/** npm run bench: every benchmark in turn, each printing its figures as ratios against its own baseline. */
import { spawnSync } from 'node:child_process';

for (const b of ['bench/fanout.ts', 'bench/cold-verify.ts', 'bench/secret.ts', 'bench/oparl.ts', 'bench/login.ts', 'bench/attack-http.ts', 'bench/attack.ts', 'bench/video-sfu.ts', 'bench/video-mesh.ts']) {
  const run = ['--import', 'tsx', b];
  // Video benches run in the test network namespace (Janus skips loopback for ICE).
  const r = spawnSync(process.execPath, b.startsWith('bench/video-') ? ['scripts/netns.mjs', process.execPath, ...run] : run, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log();
}

/**
 * npm run bench: every benchmark in turn, each printing its figures as ratios against its own baseline.
 * `--json FILE` also writes what each printed (format `ratsraum-bench/v1`, docs/PROTOCOL.md "Compliance
 * dossier"), for `ratsraum dossier --bench FILE`; `--only cold-verify,secret` runs only those.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { json: { type: 'string' }, only: { type: 'string' } } });
const only = values.only?.split(',').map((n) => `bench/${n.trim()}.ts`);
const results: { file: string; exit: number | null; seconds: number; lines: string[] }[] = [];
const started = new Date().toISOString();
const save = () => values.json && writeFileSync(values.json, JSON.stringify({ format: 'ratsraum-bench/v1', started, finished: new Date().toISOString(), benches: results }, null, 1));

for (const b of ['bench/fanout.ts', 'bench/cold-verify.ts', 'bench/minutes.ts', 'bench/secret.ts', 'bench/engines.ts', 'bench/oparl.ts', 'bench/login.ts', 'bench/attack-http.ts', 'bench/attack.ts', 'bench/video-sfu.ts', 'bench/video-mesh.ts', 'bench/nonpublic.ts', 'bench/seal.ts', 'bench/catastrophe.ts', 'bench/disruption.ts', 'bench/drop-detect.ts', 'bench/coldload.ts', 'bench/live-fold.ts', 'bench/datacentre.ts']) {
  if (only && !only.includes(b)) continue;
  const run = ['--import', 'tsx', b];
  const t0 = performance.now();
  // Video benches run in the test network namespace (Janus skips loopback for ICE), and so do the data channels
  // of bench/catastrophe (their ICE candidates stay on the namespace's own interface).
  const netns = b.startsWith('bench/video-') || b === 'bench/nonpublic.ts' || b === 'bench/catastrophe.ts' || b === 'bench/drop-detect.ts';
  const r = spawnSync(process.execPath, netns ? ['scripts/netns.mjs', process.execPath, ...run] : run, { stdio: values.json ? ['inherit', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (values.json) {
    process.stdout.write(r.stdout);
    results.push({ file: b, exit: r.status, seconds: (performance.now() - t0) / 1000, lines: r.stdout.split('\n').filter((l) => l.trim() !== '') });
    save();
  }
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log();
}

/**
 * bench/attack: 4 public clients log in, ask for `sync` again and again, never read, and send pongs nobody
 * asked for (issue 10, "Memory": the relay grew by ~27 MiB/s to over 2 GiB). An attacker that is dropped
 * connects again at once. We sample the relay's resident memory (RSS, /proc) for 60 s. Baseline in the same
 * run: the same relay's RSS idle, just before the attack; and a legitimate public client's full sync, idle
 * and under attack. The relay runs in its own process; BENCH_OLD=<another checkout> runs the same attack
 * against that checkout's relay afterwards and prints the ratio of the peaks.
 * Run: npx tsx bench/attack.ts   (SECONDS=60 CLIENTS=4 ENVELOPES=50 KB=100 BENCH_OLD=/tmp/old)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { decodeServerFrame, encodeControl } from '../core/wire.js';
import { OP, rawSocket, wsFrame } from '../test/helpers/raw-socket.js';

const SECONDS = Number(process.env.SECONDS ?? 60);
const CLIENTS = Number(process.env.CLIENTS ?? 4);
const ENVELOPES = Number(process.env.ENVELOPES ?? 50); // public envelopes of about KB KiB each: the sync answer
const KB = Number(process.env.KB ?? 100);
const ASK_MS = 500; // each attacker asks for sync this often
/** The old relay grows without bound: stop its run before it takes the shared machine down. */
const RSS_CAP = 2048 * 1024 * 1024;

const RELAY = `
const { mkdtempSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const { startRelay } = await import('./relay/server.ts');
const { makeDemo, seedDemo } = await import('./relay/demo.ts');
const { randomBytes, toHex } = await import('./crypto/bytes.ts');
const relay = await startRelay({ dataDir: mkdtempSync(join(tmpdir(), 'ratsraum-bench-attack-sync-')), port: 0, quiet: true, demo: true });
const demo = makeDemo();
await seedDemo(relay.store, demo);
const author = toHex(randomBytes(32));
for (let i = 1; i <= ${ENVELOPES}; i++) await relay.store.insert(demo.tenant, demo.meeting, { doc: 'public', author, seq: i, id: toHex(randomBytes(32)), wire: new Uint8Array(${KB * 1024}).fill(i % 251) });
console.log(JSON.stringify({ port: relay.port, tenant: demo.tenant, meeting: demo.meeting, pid: process.pid }));
`;

const rss = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

function startRelay(root: string): Promise<{ proc: ChildProcess; port: number; tenant: string; meeting: string; pid: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', RELAY], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) ok({ proc, ...JSON.parse(line) });
    });
    proc.once('exit', (code) => fail(new Error(`relay in ${root} exited with ${code}`)));
  });
}

/** A legitimate public client: full sync until `synced`, in ms (undefined when it did not finish in 30 s). */
function legitSync(port: number, tenant: string, meeting: string): Promise<number | undefined> {
  return new Promise((ok) => {
    const t0 = performance.now();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/sync`);
    const timer = setTimeout(() => (ws.terminate(), ok(undefined)), 30_000);
    ws.on('error', () => (clearTimeout(timer), ok(undefined)));
    ws.on('message', (data: Buffer) => {
      const f = decodeServerFrame(new Uint8Array(data));
      if (f.type !== 'control') return;
      if (f.message.t === 'challenge') ws.send(encodeControl({ t: 'public', tenant, meeting }));
      if (f.message.t === 'welcome') ws.send(encodeControl({ t: 'sync', frontier: {} }));
      if (f.message.t === 'synced') {
        clearTimeout(timer);
        ws.close();
        ok(performance.now() - t0);
      }
    });
  });
}

/** One attacker until `stopAt`: connects, logs in as the public, never reads; reconnects whenever dropped. */
async function attacker(port: number, tenant: string, meeting: string, end: { at: number }, stats: { connects: number; refused: number }) {
  const ask = wsFrame(OP.binary, encodeControl({ t: 'sync', frontier: {} }));
  while (Date.now() < end.at) {
    const s = await rawSocket(port).catch(() => undefined);
    if (!s) {
      stats.refused++;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    stats.connects++;
    s.sock.pause();
    s.sock.write(wsFrame(OP.binary, encodeControl({ t: 'public', tenant, meeting })));
    await new Promise<void>((done) => {
      const beat = setInterval(() => {
        if (s.closed() || Date.now() >= end.at) {
          clearInterval(beat);
          return done();
        }
        s.sock.write(ask);
        s.sock.write(wsFrame(OP.pong, new Uint8Array(16)));
      }, ASK_MS);
    });
    s.sock.destroy();
  }
}

interface Run {
  root: string;
  idle: number;
  peak: number;
  end: number;
  capped: boolean;
  seconds: number;
  connects: number;
  refused: number;
  syncIdle?: number;
  syncAttacked?: number;
}

async function run(root: string): Promise<Run> {
  const r = await startRelay(root);
  try {
    await new Promise((res) => setTimeout(res, 1000));
    await legitSync(r.port, r.tenant, r.meeting); // warms the store's caches, as the probe under attack finds them
    const syncIdle = await legitSync(r.port, r.tenant, r.meeting);
    await new Promise((res) => setTimeout(res, 1000));
    const idle = rss(r.pid);
    const stats = { connects: 0, refused: 0 };
    const started = Date.now();
    const end = { at: started + SECONDS * 1000 };
    let peak = idle;
    let capped = false;
    const sampler = setInterval(() => {
      const now = rss(r.pid);
      peak = Math.max(peak, now);
      if (now > RSS_CAP && !capped) {
        capped = true;
        end.at = Date.now();
      }
    }, 250);
    let syncAttacked: number | undefined;
    const attacks = Array.from({ length: CLIENTS }, () => attacker(r.port, r.tenant, r.meeting, end, stats));
    const probe = new Promise<void>((ok) =>
      setTimeout(async () => {
        if (!capped) syncAttacked = await legitSync(r.port, r.tenant, r.meeting);
        ok();
      }, (SECONDS * 1000) / 2),
    );
    await Promise.all([...attacks.map((a) => a.catch(() => {})), probe]);
    clearInterval(sampler);
    const last = rss(r.pid);
    return { root, idle, peak: Math.max(peak, last), end: last, capped, seconds: (Math.min(Date.now(), end.at) - started) / 1000, ...stats, syncIdle, syncAttacked };
  } finally {
    r.proc.kill('SIGKILL');
  }
}

const report = (label: string, x: Run) =>
  console.log(
    `${label.padEnd(5)} idle ${mib(x.idle).padStart(9)}  peak ${(mib(x.peak) + (x.capped ? '+' : '')).padStart(10)}  end ${mib(x.end).padStart(9)}` +
      `  peak/idle ${(x.peak / x.idle).toFixed(2)}x  growth ${((x.peak - x.idle) / 1024 / 1024 / x.seconds).toFixed(1)} MiB/s over ${x.seconds.toFixed(0)} s` +
      `  attacker connects ${x.connects} (refused ${x.refused})` +
      `  legit sync idle ${x.syncIdle?.toFixed(0) ?? '—'} ms, under attack ${x.syncAttacked?.toFixed(0) ?? 'failed'} ms${x.syncIdle && x.syncAttacked ? ` (${(x.syncAttacked / x.syncIdle).toFixed(2)}x)` : ''}`,
  );

console.log(`bench/attack: ${CLIENTS} public clients ask for sync (${ENVELOPES} x ${KB} KiB = ${((ENVELOPES * KB) / 1024).toFixed(1)} MiB) every ${ASK_MS} ms, never read, send unsolicited pongs; ${SECONDS} s`);
const now = await run(resolve('.'));
report('now', now);
if (process.env.BENCH_OLD) {
  const old = await run(resolve(process.env.BENCH_OLD));
  report('old', old);
  console.log(`old peak / now peak: ${(old.peak / now.peak).toFixed(1)}x${old.capped ? ' (old stopped at the 2 GiB cap)' : ''}; growth over idle: old ${mib(old.peak - old.idle)}, now ${mib(now.peak - now.idle)}`);
}

/**
 * bench/video-mesh: the same session over the PeerJS mesh (no SFU) for 3 and 5 members, each member in a
 * Chromium of its own with a fake camera and microphone: CPU per browser, as the process CPU time (utime +
 * stime from /proc) of the browser's process tree, and of its renderer processes, over a window once every
 * member decodes every other. Baselines in the same run: one member alone in the meeting page (idle: own
 * camera, no calls), and the SFU case (Janus) where it runs here. Needs a network namespace: run it as
 * `node scripts/netns.mjs npx tsx bench/video-mesh.ts` (bench/run.ts does). Prints figures; asserts nothing.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserServer, chromium, type Page } from 'playwright-core';
import { demoLinks, demoMasterData, makeDemo, seedDemo } from '../relay/demo.js';
import { type RelayOptions, startRelay } from '../relay/server.js';
import { CHROMIUM_ARGS } from './chromium.js';

const WINDOW_MS = Number(process.env.WINDOW_MS ?? 10_000);
const TICK = 100; // USER_HZ on Linux
const VIDEO_ARGS = [...CHROMIUM_ARGS, '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  ppid: number;
  ticks: number;
  renderer: boolean;
}

function processes(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      out.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), renderer: cmd.includes('--type=renderer') });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** CPU ticks of a process tree: all of it, and its renderers. */
function treeTicks(root: number, all = processes()): { all: number; renderer: number } {
  const sum = { all: 0, renderer: 0 };
  const walk = (pid: number) => {
    const p = all.get(pid);
    if (!p) return;
    sum.all += p.ticks;
    if (p.renderer) sum.renderer += p.ticks;
    for (const [c, q] of all) if (q.ppid === pid) walk(c);
  };
  walk(root);
  return sum;
}

interface Member {
  server: BrowserServer;
  browser: Browser;
  page: Page;
}

async function member(url: string): Promise<Member> {
  const server = await chromium.launchServer({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: VIDEO_ARGS });
  const browser = await chromium.connect(server.wsEndpoint());
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'de-DE' })).newPage();
  await page.goto(url);
  return { server, browser, page };
}

/** Pictures of others this page decodes (a tile's video with frames). */
const decoding = (page: Page) => page.evaluate(() => [...document.querySelectorAll<HTMLVideoElement>('.video-tile video')].filter((v) => v.getVideoPlaybackQuality().totalVideoFrames > 0).length);

async function session(n: number, video: RelayOptions['video']): Promise<{ perBrowser: number; renderer: number; total: number; decoded: number[] } | string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rr-bench-mesh-'));
  const relay = await startRelay({ dataDir, port: 0, quiet: true, demo: true, staticDir: join(process.cwd(), 'dist'), video });
  const members: Member[] = [];
  try {
    const demo = makeDemo();
    await seedDemo(relay.store, demo);
    await relay.identity.directory.put(demo.tenant, demoMasterData(demo));
    const links = await demoLinks(demo, relay.url);
    for (const url of [links.chair.url, ...links.members.map((m) => m.url)].slice(0, n)) members.push(await member(url));
    // Measured even where not every picture arrives within the wait: the figures then say how many did.
    const end = Date.now() + 120_000;
    while ((await Promise.all(members.map((m) => decoding(m.page)))).some((k) => k < n - 1) && Date.now() < end) await sleep(500);
    if (n > 1 && (await Promise.all(members.map((m) => decoding(m.page)))).every((k) => k === 0)) return `no picture decoded within 120 s (mode ${relay.video.status().mode})`;
    await sleep(3000); // past the start-up of the encoders
    const roots = members.map((m) => m.server.process().pid!);
    const before = roots.map((r) => treeTicks(r));
    const t0 = Date.now();
    await sleep(WINDOW_MS);
    const after = roots.map((r) => treeTicks(r));
    const seconds = (Date.now() - t0) / 1000;
    const share = (k: 'all' | 'renderer') => roots.map((_, i) => (after[i]![k] - before[i]![k]) / TICK / seconds);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const all = share('all');
    return { perBrowser: mean(all), renderer: mean(share('renderer')), total: all.reduce((a, b) => a + b, 0), decoded: await Promise.all(members.map((m) => decoding(m.page))) };
  } finally {
    for (const m of members) await m.browser.close().catch(() => {});
    for (const m of members) await m.server.close().catch(() => {});
    await relay.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(100 * x).toFixed(0).padStart(4)} %`;
if (!process.env.RATSRAUM_ICE_INTERFACE) console.log('bench/video-mesh: not inside scripts/netns.mjs; WebRTC may not connect');
console.log(`bench/video-mesh: CPU per browser (share of one core, process tree from /proc, ${WINDOW_MS / 1000} s window), ${availableParallelism()} cores shared by all browsers`);
const idle = await session(1, { janus: false });
if (typeof idle === 'string') throw new Error(`idle meeting page: ${idle}`);
console.log(`idle meeting page (1 member, own camera, no calls): ${pct(idle.perBrowser)} per browser (renderer ${pct(idle.renderer)})`);
for (const n of [3, 5]) {
  const mesh = await session(n, { janus: false });
  const sfu = await session(n, {}).catch((e: Error) => `SFU failed: ${e.message}`);
  const line = (name: string, r: typeof mesh) =>
    typeof r === 'string'
      ? `${name}: ${r}`
      : `${name}: ${pct(r.perBrowser)} per browser (renderer ${pct(r.renderer)}), all ${n} browsers ${pct(r.total)}; ${(r.perBrowser / idle.perBrowser).toFixed(1)}x the idle page; pictures decoded per member ${r.decoded.join('/')} of ${n - 1}`;
  console.log(`${n} members  ${line('mesh', mesh)}`);
  console.log(`${n} members  ${line('SFU ', sfu)}`);
  if (typeof mesh !== 'string' && typeof sfu !== 'string') console.log(`${n} members  mesh / SFU per browser: ${(mesh.perBrowser / sfu.perBrowser).toFixed(1)}x`);
}

/**
 * Video test helpers: Chromium with a fake camera and microphone that may use the test namespace's veth
 * (scripts/netns.mjs), and getStats() read per person at a receiver. Which received mid shows whom is taken
 * from the raw `offer` frames of /video, recorded by an init script below the app, and the figures from every
 * RTCPeerConnection the page made: the test measures the wire, not what the app chooses to show.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../bench/chromium.js';
import { DIST } from './browser.js';

export const VIDEO_ARGS = [
  ...CHROMIUM_ARGS,
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export function launchVideo(): Promise<Browser> {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/ has no build: run `npm run build` first');
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: VIDEO_ARGS });
}

/** Runs in the page before the app: keeps every RTCPeerConnection and the mid → person map of each /video offer. */
export function instrument(): void {
  const w = window as unknown as { __rr: { pcs: RTCPeerConnection[]; mids: Record<string, { person: string; kind: string }>; frames: string[]; closes: number[]; loads: number } };
  w.__rr = { pcs: [], mids: {}, frames: [], closes: [], loads: 0 };
  // Every start of a media element's load algorithm (a new source, or the same one assigned again): media events do not bubble, a capturing listener sees them all.
  document.addEventListener('loadstart', () => w.__rr.loads++, true);
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends PC {
    constructor(c?: RTCConfiguration) {
      super(c);
      w.__rr.pcs.push(this);
    }
  } as typeof RTCPeerConnection;
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(url: string | URL, p?: string | string[]) {
      super(url, p);
      if (!String(url).endsWith('/video')) return;
      this.addEventListener('close', (e) => w.__rr.closes.push(e.code));
      this.addEventListener('message', (e) => {
        try {
          const m = JSON.parse(String(e.data)) as { t: string; streams?: { mid: string; person: string; kind: string }[] };
          w.__rr.frames.push(m.t);
          if (m.t === 'offer') for (const s of m.streams ?? []) w.__rr.mids[s.mid] = { person: s.person, kind: s.kind };
        } catch {
          /* not JSON */
        }
      });
    }
  } as typeof WebSocket;
}

/** A participant in a video-capable browser: own context, instrumented page on the link. */
export async function videoParticipant(browser: Browser, url: string, opts: { width?: number; bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1100, height: 900 }, locale: 'de-DE', bypassCSP: opts.bypassCSP });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.addInitScript(instrument);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  // PUB-2: a viewer confirms the recording notice before the public page subscribes to the stream.
  if (url.includes('#/public/')) await page.getByTestId('recording-notice').getByRole('button').click({ timeout: 120_000 });
  return { context, page };
}

export interface Received {
  packets: number; // RTP packets received
  frames: number; // video frames decoded
  energy: number; // totalAudioEnergy
}

/** Runs in the page: what it has received per person (by the mids the raw offers named; '*': all together), from getStats(). */
export async function receivedInPage(kind: 'audio' | 'video'): Promise<Record<string, Received>> {
  const w = window as unknown as { __rr: { pcs: RTCPeerConnection[]; mids: Record<string, { person: string; kind: string }> } };
  const out: Record<string, { packets: number; frames: number; energy: number }> = { '*': { packets: 0, frames: 0, energy: 0 } };
  for (const pc of w.__rr.pcs) {
    if (pc.connectionState === 'closed') continue;
    (await pc.getStats()).forEach((r: Record<string, unknown>) => {
      if (r.type !== 'inbound-rtp' || r.kind !== kind) return;
      const who = w.__rr.mids[String(r.mid)]?.person;
      for (const key of who ? ['*', who] : ['*']) {
        const x = (out[key] ??= { packets: 0, frames: 0, energy: 0 });
        x.packets += Number(r.packetsReceived ?? 0);
        x.frames += Number(r.framesDecoded ?? 0);
        x.energy += Number(r.totalAudioEnergy ?? 0);
      }
    });
  }
  return out;
}

/** What this page has received per person (by the mids the raw offers named; '*': all together), from getStats() of all its connections. */
export function receivedAll(page: Page, kind: 'audio' | 'video'): Promise<Record<string, Received>> {
  return page.evaluate(receivedInPage, kind);
}

/** What this page has received of one person's sound or picture (null: of anyone). */
export async function received(page: Page, person: string | null, kind: 'audio' | 'video'): Promise<Received> {
  return (await receivedAll(page, kind))[person ?? '*'] ?? { packets: 0, frames: 0, energy: 0 };
}

/** Outbound packets of this page's own sources (is the device itself sending?). */
export function sent(page: Page, kind: 'audio' | 'video'): Promise<number> {
  return page.evaluate(async (kind) => {
    const w = window as unknown as { __rr: { pcs: RTCPeerConnection[] } };
    let n = 0;
    for (const pc of w.__rr.pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r.type === 'outbound-rtp' && r.kind === kind) n += Number(r.packetsSent ?? 0);
      });
    }
    return n;
  }, kind);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until what `page` receives of `person` (or of each of several) rises (field: packets, frames or energy). */
export async function rising(page: Page, person: string | null | string[], kind: 'audio' | 'video', field: keyof Received = 'packets', timeout = 45_000): Promise<void> {
  const keys = (Array.isArray(person) ? person : [person]).map((p) => p ?? '*');
  const end = Date.now() + timeout;
  const value = (r: Record<string, Received>, k: string) => r[k]?.[field] ?? 0;
  const first = await receivedAll(page, kind);
  let waiting = keys;
  while (Date.now() < end) {
    await sleep(500);
    const now = await receivedAll(page, kind);
    waiting = waiting.filter((k) => value(now, k) <= value(first, k));
    if (waiting.length === 0) return;
  }
  throw new Error(`${kind} ${field} of ${waiting.join(', ')} did not rise at ${await who(page)}`);
}

const who = (page: Page) => page.evaluate(() => document.querySelector('.who')?.textContent ?? location.hash.slice(0, 40));

/** Polls until nothing more of `person`'s sound or picture arrives at `page` over a whole 2 s window. */
export async function flat(page: Page, person: string | null, kind: 'audio' | 'video', timeout = 30_000): Promise<void> {
  const end = Date.now() + timeout;
  let last = (await received(page, person, kind)).packets;
  while (Date.now() < end) {
    await sleep(2000);
    const now = (await received(page, person, kind)).packets;
    if (now <= last) return;
    last = now;
  }
  throw new Error(`${kind} of ${person ?? 'anyone'} kept arriving at ${await who(page)}`);
}

/** How often a media element of this page started loading a source (instrument()). */
export const mediaLoads = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as { __rr: { loads: number } }).__rr.loads);

/** The number of raw /video frames of kind `t` this page has received. */
export const framesOf = (page: Page, t: string): Promise<number> => page.evaluate((t) => (window as unknown as { __rr: { frames: string[] } }).__rr.frames.filter((f) => f === t).length, t);

/** Close codes of /video this page has seen. */
export const videoCloses = (page: Page): Promise<number[]> => page.evaluate(() => (window as unknown as { __rr: { closes: number[] } }).__rr.closes);

export interface Inbound {
  person: string | null; // whose tile shows the track (the app's mapping from the relay's presence or offers)
  frames: number;
  relayed: boolean; // the connection's selected pair has a TURN relay candidate on this side
}

/** Every received picture of the page, per connection, from getStats(); whichever transport (SFU or mesh) carries it. */
export function inbound(page: Page): Promise<Inbound[]> {
  return page.evaluate(async () => {
    const w = window as unknown as { __rr: { pcs: RTCPeerConnection[] } };
    const owner = new Map<string, string | null>();
    for (const v of document.querySelectorAll<HTMLVideoElement>('video[data-person]'))
      for (const t of (v.srcObject as MediaStream | null)?.getTracks() ?? []) owner.set(t.id, v.dataset.person ?? null);
    const out: Inbound[] = [];
    for (const pc of w.__rr.pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((r: Record<string, unknown>) => stats.set(String(r.id), r));
      const transport = [...stats.values()].find((r) => r.type === 'transport');
      const pair = stats.get(String(transport?.selectedCandidatePairId));
      const local = stats.get(String(pair?.localCandidateId));
      for (const r of stats.values())
        if (r.type === 'inbound-rtp' && r.kind === 'video')
          out.push({ person: owner.get(String(r.trackIdentifier)) ?? null, frames: Number(r.framesDecoded ?? 0), relayed: local?.candidateType === 'relay' });
    }
    return out;
  });
}

/** Polls until the page decodes rising frames of each of `others` on its open connections (`overTurn`: each over a TURN-relayed one). */
export async function receivesFrom(page: Page, others: string[], opts: { overTurn?: boolean; timeout?: number } = {}): Promise<void> {
  const sum = (xs: Inbound[]) => xs.reduce((n, x) => n + x.frames, 0);
  const first = await inbound(page);
  let waiting = others;
  const end = Date.now() + (opts.timeout ?? 60_000);
  while (waiting.length > 0) {
    if (Date.now() > end) throw new Error(`no rising frames of ${waiting.join(', ')} at ${await who(page)}: ${JSON.stringify(await inbound(page))}`);
    await sleep(500);
    const now = await inbound(page);
    waiting = waiting.filter((p) => {
      const x = now.filter((y) => y.person === p);
      return !(x.length > 0 && (!opts.overTurn || x.every((y) => y.relayed)) && sum(x) > sum(first.filter((y) => y.person === p)) && x.some((y) => y.frames > 0));
    });
  }
}

/** Waits until the page's video pane says connected. */
export async function whenVideo(page: Page, timeout = 60_000): Promise<void> {
  const status = () => page.evaluate(() => document.querySelector('[data-video-status]')?.getAttribute('data-video-status') ?? 'none');
  const end = Date.now() + timeout;
  while ((await status()) !== 'connected') {
    if (Date.now() > end) throw new Error(`video of ${page.url()} is ${await status()}: frames ${await page.evaluate(() => JSON.stringify((window as unknown as { __rr: unknown }).__rr))}`);
    await sleep(250);
  }
}

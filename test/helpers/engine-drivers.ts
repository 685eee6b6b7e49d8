/**
 * One participant interface over the three browser engines members bring (../shared/BROWSERS.md): Blink
 * (Debian's Chromium through playwright-core), Gecko (firefox-esr through puppeteer-core over WebDriver BiDi)
 * and WebKit (WebKitGTK's WebDriver under an Xvfb display of our own, spoken to over plain W3C WebDriver).
 * A test names the engines it runs in; `useEngines()` starts each browser on first use (one per engine per
 * file) and ends every browser, driver and display in afterAll, also after a failed test (test/helpers/engines.ts;
 * this file has no Vitest in it, so bench/engines.ts uses it too, through `startEngines()` and `stopAll()`).
 *
 * Going offline is the same in every engine: each participant reaches the relay through its own TCP
 * forwarder (`lineCut`), and `offline(true)` cuts it (open connections reset, new ones refused at once),
 * as a member's line that drops. The page's origin is the forwarder's, so its service worker and IndexedDB
 * belong to that line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket, connect } from 'node:net';
import puppeteer, { type Browser as PBrowser, type ElementHandle, type Page as PPage } from 'puppeteer-core';
import { type Browser as CBrowser, type BrowserContext, chromium, type ElementHandle as CElementHandle, type Page as CPage } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../bench/chromium.js';

export type Engine = 'chromium' | 'firefox' | 'webkit';
export const ENGINES: readonly Engine[] = ['chromium', 'firefox', 'webkit'];

/** A CSS selector, or an element by its accessible name (aria-label, label, or text), optionally of one role. */
export type Target = string | { name: string | RegExp; role?: 'button' | 'link' | 'textbox' | 'checkbox' | 'radio' };

export interface Participant {
  readonly engine: Engine;
  /** The page's origin (the participant's own line to the relay). */
  readonly origin: string;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  click(t: Target): Promise<void>;
  fill(t: Target, value: string): Promise<void>;
  /** Chooses the option with this value in a <select>. */
  select(css: string, value: string): Promise<void>;
  /** Runs `fn(arg)` in the page (a promise is awaited); the result comes back as JSON. */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Polls `fn(arg)` in the page until it returns something truthy; returns that. */
  waitFor<A, R>(fn: (arg: A) => R | Promise<R>, arg?: A, timeoutMs?: number): Promise<R>;
  screenshot(path: string): Promise<void>;
  /** WCAG 2.1 A/AA violations as "rule: target" lines (axe-core, as test/helpers/browser.ts). */
  axe(): Promise<string[]>;
  /** Cuts (true) or restores (false) this participant's line to the relay. */
  offline(on: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  width?: number;
  height?: number;
  /** Runs in every document before the app (Chromium and Firefox; WebDriver classic has no such hook). */
  init?: () => void;
}

// ---------------------------------------------------------------------------------------------------------
// The line: a TCP forwarder in front of the relay that a test can cut.

export interface Line {
  readonly url: string;
  cut(on: boolean): void;
  close(): Promise<void>;
}

export async function lineCut(target: string): Promise<Line> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(Number(t.port), t.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut(on) {
      down = on;
      if (on) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}

/** `url` with its origin replaced by the line's. */
export const through = (line: Line, url: string) => {
  const u = new URL(url);
  return line.url + u.pathname + u.search + u.hash;
};

// ---------------------------------------------------------------------------------------------------------
// In-page element finder, the same in every engine (so a test means the same thing everywhere).

interface Query {
  css?: string;
  name?: string;
  re?: [string, string];
  role?: string;
}

const toQuery = (t: Target): Query => (typeof t === 'string' ? { css: t } : { role: t.role, ...(t.name instanceof RegExp ? { re: [t.name.source, t.name.flags] } : { name: t.name }) });

/** Runs in the page: the first visible, enabled element matching the query, or null. Self-contained. */
function findElement(q: Query): Element | null {
  const roles: Record<string, string> = {
    button: 'button, [role=button], input[type=button], input[type=submit], summary',
    link: 'a[href], [role=link]',
    textbox: 'input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]), textarea, select',
    checkbox: 'input[type=checkbox], [role=checkbox]',
    radio: 'input[type=radio], [role=radio]',
  };
  const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
  const nameOf = (el: Element): string => {
    const label = el.getAttribute('aria-label');
    if (label) return norm(label);
    const by = el.getAttribute('aria-labelledby');
    if (by) return norm(by.split(' ').map((id) => document.getElementById(id)?.textContent).join(' '));
    const labels = (el as HTMLInputElement).labels;
    if (labels && labels.length) return norm(Array.from(labels, (l) => l.textContent).join(' '));
    return norm(el.textContent);
  };
  const visible = (el: Element) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const matches = (el: Element) => {
    if (q.name === undefined && !q.re) return true;
    const n = nameOf(el);
    return q.re ? new RegExp(q.re[0], q.re[1]).test(n) : n === q.name;
  };
  const sel = q.css ?? (q.role ? roles[q.role]! : Object.values(roles).join(', '));
  for (const el of Array.from(document.querySelectorAll(sel)))
    if (visible(el) && !(el as HTMLButtonElement).disabled && matches(el)) {
      // As a user scrolls: WebDriver alone scrolls it to the bottom edge, under a phone layout's fixed bar.
      el.scrollIntoView({ block: 'center' });
      return el;
    }
  return null;
}

const describe_ = (t: Target) => (typeof t === 'string' ? t : `${t.role ?? 'element'} "${t.name}"`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TIMEOUT = 30_000;

async function poll<R>(what: string, f: () => Promise<R>, timeoutMs: number): Promise<R> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const r = await f();
      if (r) return r;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(100);
  }
}

/** The engine-specific part: navigation, evaluation, and a real click/typing on the element found. */
interface Driver {
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  evaluate<R>(source: string): Promise<R>;
  /** Runs statements (a library's source) in the page, outside the page's CSP as driver scripts are. */
  script(source: string): Promise<void>;
  clickFound(q: Query): Promise<boolean>;
  fillFound(q: Query, value: string): Promise<boolean>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

const FIND = findElement.toString();
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
async function AXE_RUN(): Promise<string[]> {
  const r = await (globalThis as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  });
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
/** The expression calling `fn(arg)` in the page; `__name` is the helper esbuild (tsx, Vitest) puts into named inner functions. */
const call = (fn: ((arg: never) => unknown) | string, arg: unknown) => `((__name) => (${fn.toString()})(${JSON.stringify(arg ?? null)}))((f) => f)`;

function participantOf(engine: Engine, line: Line, d: Driver): Participant {
  const p: Participant = {
    engine,
    origin: line.url,
    goto: (url) => d.goto(through(line, url)),
    reload: () => d.reload(),
    click: (t) => poll(`a clickable ${describe_(t)} in ${engine}`, () => d.clickFound(toQuery(t)), TIMEOUT).then(() => undefined),
    fill: (t, v) => poll(`a field ${describe_(t)} in ${engine}`, () => d.fillFound(toQuery(t), v), TIMEOUT).then(() => undefined),
    select: (css, value) =>
      poll(`a choice ${value} in ${css} in ${engine}`, () =>
        d.evaluate<boolean>(
          call(
            ([css, value]: [string, string]) => {
              const el = document.querySelector<HTMLSelectElement>(css);
              if (!el || !Array.from(el.options).some((o) => o.value === value)) return false;
              el.value = value;
              el.dispatchEvent(new Event('input', { bubbles: true }));
              el.dispatchEvent(new Event('change', { bubbles: true }));
              return true;
            },
            [css, value],
          ),
        ), TIMEOUT).then(() => undefined),
    axe: async () => {
      await d.script(AXE);
      return d.evaluate<string[]>(call(AXE_RUN, null));
    },
    evaluate: (fn, arg) => d.evaluate(call(fn as (a: never) => unknown, arg)),
    waitFor: (fn, arg, ms = TIMEOUT) => poll(`${fn.toString().slice(0, 120)} in ${engine}`, () => d.evaluate(call(fn as (a: never) => unknown, arg)), ms),
    screenshot: (path) => d.screenshot(path),
    offline: async (on) => line.cut(on),
    close: async () => {
      await d.close().catch(() => undefined);
      await line.close();
    },
  };
  return process.env.ENGINES_TRACE ? traced(p) : p;
}

/** ENGINES_TRACE=1: each call with its duration on stderr, to see where an engine spends the time. */
function traced(p: Participant): Participant {
  const t = { ...p } as Record<string, unknown>;
  for (const [k, f] of Object.entries(p))
    if (typeof f === 'function')
      t[k] = async (...a: unknown[]) => {
        const t0 = performance.now();
        try {
          return await (f as (...a: unknown[]) => unknown)(...a);
        } finally {
          console.error(`[${p.engine}] ${k} ${String(typeof a[0] === "function" ? a[0] : JSON.stringify(a[0] ?? "")).slice(0, 70)} ${(performance.now() - t0).toFixed(0)} ms`);
        }
      };
  return t as unknown as Participant;
}

// ---------------------------------------------------------------------------------------------------------
// Blink: playwright-core.

function chromiumDriver(context: BrowserContext, page: CPage): Driver {
  const handle = async (q: Query) => {
    const h = await page.evaluateHandle(call(FIND, q));
    const el = h.asElement() as CElementHandle<Element> | null;
    if (!el) await h.dispose();
    return el;
  };
  return {
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    evaluate: (source) => page.evaluate(source),
    script: async (source) => void (await page.evaluate(`${source};0`)),
    clickFound: async (q) => {
      const el = await handle(q);
      if (!el) return false;
      await el.click();
      return true;
    },
    fillFound: async (q, v) => {
      const el = await handle(q);
      if (!el) return false;
      await el.fill(v);
      return true;
    },
    screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
    close: () => context.close(),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Gecko: puppeteer-core over WebDriver BiDi.

function firefoxDriver(page: PPage, close: () => Promise<void>): Driver {
  const handle = async (q: Query) => {
    const h = await page.evaluateHandle(call(FIND, q));
    const el = h.asElement() as ElementHandle<Element> | null;
    if (!el) await h.dispose();
    return el;
  };
  return {
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    evaluate: (source) => page.evaluate(source) as never,
    script: async (source) => void (await page.evaluate(`${source};0`)),
    clickFound: async (q) => {
      const el = await handle(q);
      if (!el) return false;
      await el.click();
      return true;
    },
    fillFound: async (q, v) => {
      const el = await handle(q);
      if (!el) return false;
      await el.evaluate((e) => ((e as HTMLInputElement).value = ''));
      await el.type(v);
      return true;
    },
    screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
    close,
  };
}

// ---------------------------------------------------------------------------------------------------------
// WebKit: WebKitWebDriver (W3C WebDriver over HTTP), one session (one MiniBrowser) per participant.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

async function webdriver(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await r.json()) as { value: unknown };
  if (!r.ok) {
    const v = json.value as { error?: string; message?: string };
    throw new Error(`WebDriver ${method} ${path}: ${v.error}: ${v.message}`);
  }
  return json.value;
}

function webkitDriver(base: string, session: string): Driver {
  const s = (path: string) => `/session/${session}${path}`;
  const exec = (script: string) => webdriver(base, 'POST', s('/execute/sync'), { script, args: [] });
  const find = async (q: Query) => (await exec(`return ${call(FIND, q)}`)) as Record<string, string> | null;
  return {
    goto: async (url) => void (await webdriver(base, 'POST', s('/url'), { url })),
    reload: async () => void (await webdriver(base, 'POST', s('/refresh'), {})),
    // The W3C "execute script" awaits a returned promise.
    evaluate: (source) => exec(`return ${source}`) as never,
    script: async (source) => void (await exec(source)),
    clickFound: async (q) => {
      const el = await find(q);
      if (!el) return false;
      await webdriver(base, 'POST', s(`/element/${el[ELEMENT]}/click`), {});
      return true;
    },
    fillFound: async (q, v) => {
      const el = await find(q);
      if (!el) return false;
      await webdriver(base, 'POST', s(`/element/${el[ELEMENT]}/clear`), {});
      await webdriver(base, 'POST', s(`/element/${el[ELEMENT]}/value`), { text: v });
      return true;
    },
    screenshot: async (path) => writeFileSync(path, Buffer.from((await webdriver(base, 'GET', s('/screenshot'))) as string, 'base64')),
    close: async () => void (await webdriver(base, 'DELETE', s(''))),
  };
}

const freePort = () =>
  new Promise<number>((ok) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });

/** Xvfb on a display it picks itself (-displayfd), and WebKitWebDriver on a free port with that display. */
async function startWebKit(): Promise<{ base: string; stop: () => Promise<void> }> {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  const display = await new Promise<string>((ok, fail) => {
    xvfb.stdio[3]!.once('data', (b: Buffer) => ok(`:${b.toString().trim()}`));
    xvfb.once('exit', (c) => fail(new Error(`Xvfb exited (${c})`)));
  });
  const port = await freePort();
  const driver = spawn('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], { stdio: 'ignore', env: { ...process.env, DISPLAY: display } });
  const base = `http://127.0.0.1:${port}`;
  await poll('WebKitWebDriver', () => fetch(`${base}/status`).then((r) => r.ok), 20_000);
  const end = (c: ChildProcess) =>
    new Promise<void>((ok) => {
      if (c.exitCode !== null || c.signalCode !== null) return ok();
      c.once('exit', () => ok());
      c.kill('SIGTERM');
    });
  return { base, stop: async () => (await end(driver), await end(xvfb)) };
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Firefox prefs for video tests: a fake camera and microphone without a permission prompt, host ICE
 * candidates in the clear (no mDNS names: the SFU in the test namespace cannot resolve them), autoplay.
 */
export const FIREFOX_FAKE_MEDIA = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
};

/**
 * The browsers of one test file. `open(engine, url)` gives a new participant (own profile or context: own
 * IndexedDB and device key) on its own line to the relay that `url` names.
 */
export function startEngines(opts: { firefoxPrefs?: Record<string, unknown> } = {}) {
  let chromiumBrowser: Promise<CBrowser> | undefined;
  let firefoxBrowser: Promise<PBrowser> | undefined;
  let webkit: Promise<{ base: string; stop: () => Promise<void> }> | undefined;
  const open_: Participant[] = [];
  const stopAll = async () => {
    for (const p of open_.splice(0)) await p.close().catch(() => undefined);
    await (await chromiumBrowser?.catch(() => undefined))?.close();
    await (await firefoxBrowser?.catch(() => undefined))?.close();
    await (await webkit?.catch(() => undefined))?.stop();
    chromiumBrowser = firefoxBrowser = webkit = undefined;
  };

  async function driverFor(engine: Engine, o: OpenOptions): Promise<Driver> {
    const width = o.width ?? 1100;
    const height = o.height ?? 900;
    if (engine === 'chromium') {
      chromiumBrowser ??= chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
      const context = await (await chromiumBrowser).newContext({ viewport: { width, height }, locale: 'de-DE' });
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`chromium page error: ${e.message}`));
      if (o.init) await page.addInitScript(o.init);
      return chromiumDriver(context, page);
    }
    if (engine === 'firefox') {
      firefoxBrowser ??= puppeteer.launch({ browser: 'firefox', executablePath: process.env.FIREFOX ?? '/usr/bin/firefox-esr', headless: true, extraPrefsFirefox: { 'intl.accept_languages': 'de-DE', ...opts.firefoxPrefs } });
      const context = await (await firefoxBrowser).createBrowserContext();
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`firefox page error: ${(e as Error).message}`));
      await page.setViewport({ width, height });
      if (o.init) await page.evaluateOnNewDocument(o.init);
      return firefoxDriver(page, () => context.close());
    }
    if (o.init) throw new Error('webkit: no init scripts over WebDriver classic');
    webkit ??= startWebKit();
    const { base } = await webkit;
    const caps = { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', args: ['--automation'] } };
    const { sessionId } = (await webdriver(base, 'POST', '/session', { capabilities: { alwaysMatch: caps } })) as { sessionId: string };
    // MiniBrowser's window has a minimum width (about 450 px); narrower asks give that.
    await webdriver(base, 'POST', `/session/${sessionId}/window/rect`, { width, height });
    await webdriver(base, 'POST', `/session/${sessionId}/timeouts`, { script: 600_000 }); // benches verify for long
    return webkitDriver(base, sessionId);
  }

  return {
    async open(engine: Engine, url: string, o: OpenOptions = {}): Promise<Participant> {
      const line = await lineCut(new URL(url).origin);
      const p = participantOf(engine, line, await driverFor(engine, o));
      open_.push(p);
      await p.goto(url);
      return p;
    },
    /** Closes one participant now (its browser stays for the next). */
    async close(p: Participant) {
      open_.splice(open_.indexOf(p), 1);
      await p.close();
    },
    stopAll,
  };
}

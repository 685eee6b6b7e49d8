/**
 * Our own Janus instance (VIDEO-NOTES.md): a config folder under `<data>/janus/` written at every start with
 * fresh secrets, only VideoRoom and Streaming, only the WebSocket transport bound to 127.0.0.1, the Admin
 * API on 127.0.0.1, token_auth, no event handlers or loggers. Supervised: on exit it is started again with
 * backoff and new secrets, and `onUp` lets the service rebuild every room from the folded state.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stopChild } from './child.js';
import { JanusAdmin, JanusClient } from './janus-api.js';

export interface JanusOptions {
  /** The janus binary (default: `janus` on the PATH). */
  binary?: string;
  dataDir: string;
  /** The one interface (or address) ICE may use; otherwise Janus' defaults (it skips loopback itself). */
  iceInterface?: string;
  /** A fixed, small range for media (UDP). */
  rtpPorts?: [number, number];
  /** The liveness probe (defaults: PROBE). */
  probe?: Partial<Probe>;
  log: (m: string) => void;
}

/** How a running Janus is asked whether it still answers (an `info` request), and how many misses make it hung. */
export interface Probe {
  everyMs: number;
  timeoutMs: number;
  misses: number;
}

/** A hung Janus shows within about 25 s; one slow answer on a loaded machine is not yet a miss in a row. */
export const PROBE: Probe = { everyMs: 5000, timeoutMs: 10_000, misses: 2 };

/** What one running instance was started with: everything the relay needs to talk to it. */
export interface JanusInstance {
  pid: number;
  wsUrl: string;
  adminUrl: string;
  adminSecret: string;
  /** The plugins' admin_key: room and mountpoint creation, rtp_forward. */
  adminKey: string;
  /** Where the Streaming mountpoint of a meeting receives its forwarded RTP (127.0.0.1). */
  forwardPorts: () => Promise<{ audio: number; video: number }>;
  configDir: string;
  client: JanusClient;
  admin: JanusAdmin;
}

const ALL = (dir: string, prefix: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.so')) : []);
const LIB = '/usr/lib/x86_64-linux-gnu/janus';

/** Where the Debian package keeps Janus' modules (from `janus --help`'s defaults, else the multiarch path). */
function libDir(): string {
  const r = spawnSync('sh', ['-c', 'dpkg -L janus 2>/dev/null | grep -m1 "/janus/plugins$"'], { encoding: 'utf8' });
  const plugins = r.stdout?.trim();
  return plugins ? plugins.replace(/\/plugins$/, '') : LIB;
}

/** The installed Janus' version ("1.1.2"), undefined where there is none. */
export function janusVersion(binary = 'janus'): string | undefined {
  // `janus --version` prints the version and exits with 1.
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (r.error) return undefined;
  return /Janus version: \d+ \(([^)]+)\)/.exec(`${r.stdout}${r.stderr}`)?.[1];
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

const secret = () => randomBytes(24).toString('hex');
const q = (s: string) => JSON.stringify(s);

function writeConfig(dir: string, o: JanusOptions, s: { adminSecret: string; adminKey: string; ws: number; admin: number }): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lib = libDir();
  const keep = new Set(['libjanus_videoroom.so', 'libjanus_streaming.so', 'libjanus_websockets.so']);
  const disable = (sub: string) => ALL(join(lib, sub), 'libjanus_').filter((f) => !keep.has(f)).join(',');
  const [lo, hi] = o.rtpPorts ?? [20000, 20999];
  const files: Record<string, string> = {
    'janus.jcfg': `general: {
  configs_folder = ${q(dir)}
  plugins_folder = ${q(join(lib, 'plugins'))}
  transports_folder = ${q(join(lib, 'transports'))}
  events_folder = ${q(join(lib, 'events'))}
  loggers_folder = ${q(join(lib, 'loggers'))}
  debug_level = 3
  log_to_stdout = true
  admin_secret = ${q(s.adminSecret)}
  token_auth = true
  session_timeout = 60
  hide_dependencies = true
  server_name = "ratsraum"
}
media: {
  rtp_port_range = "${lo}-${hi}"
  ipv6 = false
}
nat: {
  nice_debug = false
  ${o.iceInterface ? `ice_enforce_list = ${q(o.iceInterface)}` : 'ice_ignore_list = "vmnet,docker,veth,virbr"'}
}
plugins: {
  disable = ${q(disable('plugins'))}
}
transports: {
  disable = ${q(disable('transports'))}
}
events: {
  broadcast = false
  disable = ${q(ALL(join(lib, 'events'), 'libjanus_').join(','))}
}
loggers: {
  disable = ${q(ALL(join(lib, 'loggers'), 'libjanus_').join(','))}
}
`,
    'janus.transport.websockets.jcfg': `general: {
  json = "plain"
  ws = true
  ws_port = ${s.ws}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = true
  admin_ws_port = ${s.admin}
  admin_ws_ip = "127.0.0.1"
  admin_wss = false
}
`,
    'janus.plugin.videoroom.jcfg': `general: {
  admin_key = ${q(s.adminKey)}
  lock_rtp_forward = true
  string_ids = true
  events = false
}
`,
    // Janus 1.1.2 crashes on `disable` of a mountpoint with the default stop_recording (VIDEO-NOTES.md): mountpoints are created with stop_recording false, never disabled.
    'janus.plugin.streaming.jcfg': `general: {
  admin_key = ${q(s.adminKey)}
  string_ids = true
  events = false
}
`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o600 });
}

async function waitForApi(wsUrl: string, adminUrl: string, adminSecret: string, child: ChildProcess): Promise<{ client: JanusClient; admin: JanusAdmin }> {
  const end = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`janus exited at start (${child.exitCode ?? child.signalCode})`);
    try {
      const client = await JanusClient.connect(wsUrl);
      try {
        return { client, admin: await JanusAdmin.connect(adminUrl, adminSecret) };
      } catch (e) {
        client.close();
        throw e;
      }
    } catch (e) {
      if (Date.now() > end) throw new Error(`janus API did not answer: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Runs Janus and keeps it running. `onUp` is called after every (re)start, before it counts as up. */
export class JanusSupervisor {
  instance: JanusInstance | undefined;
  private child: ChildProcess | undefined;
  private stopped = false;
  private failures = 0;
  private readonly output: string[] = [];
  private probing: ReturnType<typeof setInterval> | undefined;
  restarts = 0;

  constructor(
    private readonly o: JanusOptions,
    private readonly onUp: (j: JanusInstance) => Promise<void>,
    private readonly onDown: () => void,
  ) {}

  /** The last lines Janus wrote (for logs when it fails). */
  tail(): string {
    return this.output.slice(-40).join('\n');
  }

  async start(): Promise<JanusInstance> {
    const dir = join(this.o.dataDir, 'janus');
    const s = { adminSecret: secret(), adminKey: secret(), ws: await freePort(), admin: await freePort() };
    writeConfig(dir, this.o, s);
    // setpriv (util-linux) execs Janus with a parent-death signal: a relay killed hard leaves no Janus behind.
    const cmd = [this.o.binary ?? 'janus', '-F', dir, '-C', join(dir, 'janus.jcfg'), '-o'];
    const argv = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'SIGKILL', '--', ...cmd] : cmd;
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (b: Buffer) => {
      for (const line of String(b).split('\n')) if (line.trim()) this.output.push(line);
      if (this.output.length > 400) this.output.splice(0, this.output.length - 200);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    const wsUrl = `ws://127.0.0.1:${s.ws}`;
    const adminUrl = `ws://127.0.0.1:${s.admin}`;
    const { client, admin } = await waitForApi(wsUrl, adminUrl, s.adminSecret, child);
    const j: JanusInstance = { pid: child.pid!, wsUrl, adminUrl, adminSecret: s.adminSecret, adminKey: s.adminKey, configDir: dir, client, admin, forwardPorts: async () => ({ audio: await freePort(), video: await freePort() }) };
    this.instance = j;
    await this.onUp(j);
    this.failures = 0;
    this.o.log(`video: janus ${child.pid} up (api ${wsUrl})`);
    this.watch(child, j);
    return j;
  }

  /** A Janus that stops answering (hung, stopped, deadlocked) is handled as a crash: killed, so that its exit restarts it. */
  private watch(child: ChildProcess, j: JanusInstance): void {
    const p = { ...PROBE, ...this.o.probe };
    clearInterval(this.probing);
    let missed = 0;
    let asking = false;
    const timer = setInterval(() => {
      if (asking) return;
      asking = true;
      let cut: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<boolean>((ok) => (cut = setTimeout(() => ok(false), p.timeoutMs)));
      void Promise.race([j.client.info().then(() => true, () => false), late]).then((answered) => {
        clearTimeout(cut);
        asking = false;
        if (this.child !== child || this.instance !== j) return clearInterval(timer);
        missed = answered ? 0 : missed + 1;
        if (missed < p.misses) return;
        clearInterval(timer);
        this.o.log(`video: janus ${child.pid} did not answer ${missed} probes in a row; killing it`);
        child.kill('SIGKILL');
      });
    }, p.everyMs);
    timer.unref();
    this.probing = timer;
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    clearInterval(this.probing);
    const j = this.instance;
    this.instance = undefined;
    // Gone before it was up: the failing start() schedules the next try.
    if (!j || this.stopped) return;
    j.client.close();
    j.admin.close();
    this.o.log(`video: janus ${child.pid} exited (${code ?? signal}); restarting\n${this.tail()}`);
    this.onDown();
    this.restart();
  }

  /** Tries again later (after a failed first start); the relay runs on meanwhile, video on the mesh (service.ts). */
  retry(): void {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); // its exit schedules the next try
    else this.restart();
  }

  private restart(): void {
    if (this.stopped) return;
    const wait = Math.min(200 * 2 ** this.failures++, 10_000);
    setTimeout(() => {
      if (this.stopped) return;
      this.restarts++;
      this.start().catch((e) => {
        this.o.log(`video: janus restart failed: ${(e as Error).message}`);
        this.retry();
      });
    }, wait).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.probing);
    const c = this.child;
    this.instance?.client.close();
    this.instance?.admin.close();
    this.instance = undefined;
    await stopChild(c, 3000);
  }
}

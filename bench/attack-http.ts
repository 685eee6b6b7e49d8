/**
 * bench/attack-http: a legitimate login (challenge, Ed25519 signature, TOTP code, session, as bench/login does)
 * while 8 anonymous loops hammer the public export of a meeting with a large log and the handbook PDF, each
 * loop from its own client address (X-Forwarded-For behind the trusted proxy 127.0.0.1). Baselines in the same
 * run: the same logins with no load, and under 8 loops of a trivial GET (/api/<tenant>/key: what any flood of
 * requests costs). Relay, attackers and the member run in three processes (on one machine, so the attackers'
 * own CPU counts against the member too).
 * Run: npx tsx bench/attack-http.ts   (BENCH_ROOT=<another checkout> measures that checkout's relay instead)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import * as OTPAuth from 'otpauth';
import { fromHex, toHex } from '../crypto/bytes.js';
import { signerFromSeed } from '../crypto/ed25519.js';
import { sessionInput } from '../core/identity.js';

const LOGINS = 60; // per phase; each device logs in once (a code counts once)
const LOOPS = 8;
const ENVELOPES = 5000; // public envelopes of the meeting (about 2 MB of export)
const ROOT = resolve(process.env.BENCH_ROOT ?? '.');

const RELAY = `
const { mkdtempSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const { startRelay } = await import('./relay/server.ts');
const { makeDemo, seedDemo } = await import('./relay/demo.ts');
const { issue } = await import('./crypto/cert.ts');
const { generateSeed, signerFromSeed } = await import('./crypto/ed25519.ts');
const { fromHex, randomBytes, toHex } = await import('./crypto/bytes.ts');
const relay = await startRelay({ dataDir: mkdtempSync(join(tmpdir(), 'ratsraum-bench-attack-')), port: 0, quiet: true, demo: true,
  identityRate: { burst: 1e9, perSecond: 1e9 }, trustedProxies: ['127.0.0.1'] });
const demo = makeDemo();
await seedDemo(relay.store, demo);
const author = toHex(randomBytes(32));
for (let i = 1; i <= ${ENVELOPES}; i++) await relay.store.insert(demo.tenant, demo.meeting, { doc: 'public', author, seq: i, id: toHex(randomBytes(32)), wire: randomBytes(400) });
const admin = await signerFromSeed(fromHex(demo.tenantSeed, 32));
const devices = [];
const now = Date.now();
for (let i = 0; i < ${3 * LOGINS}; i++) {
  const seed = generateSeed();
  const device = toHex((await signerFromSeed(seed)).publicKey);
  await relay.store.putCert(await issue({ v: 1, tenant: demo.tenant, person: 'p' + i, name: 'Person ' + i, device, roles: ['member'], bodies: ['bv-mitte'], notBefore: now - 60000, notAfter: now + 86400000 }, admin));
  devices.push({ seed: toHex(seed), secret: (await relay.identity.totp.create(demo.tenant, device, 'Person ' + i)).secret });
}
console.log(JSON.stringify({ url: relay.url, tenant: demo.tenant, meeting: demo.meeting, devices }));
`;

const ATTACK = (url: string, paths: string[]) => `
const counts = { ok: 0, limited: 0, other: 0, bytes: 0 };
let stop = false;
process.on('SIGTERM', () => { stop = true; });
const paths = ${JSON.stringify(paths)};
const t0 = performance.now();
await Promise.all(Array.from({ length: ${LOOPS} }, async (_, i) => {
  for (let n = 0; !stop; n++) {
    const r = await fetch('${url}' + paths[n % paths.length], { headers: { 'x-forwarded-for': '198.51.100.' + (i + 1) } }).catch(() => undefined);
    if (!r) { counts.other++; continue; }
    counts.bytes += (await r.arrayBuffer()).byteLength;
    if (r.status === 200) counts.ok++; else if (r.status === 429) counts.limited++; else counts.other++;
    if (n === 0 && i === 0) console.log('started');
  }
}));
console.log(JSON.stringify({ ...counts, seconds: (performance.now() - t0) / 1000 }));
`;

function run(code: string): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let buf = '';
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      queue.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      wake?.();
    }
  });
  const lines: AsyncIterator<string> = {
    async next() {
      while (!queue.length) await new Promise<void>((r) => (wake = r));
      return { value: queue.shift()!, done: false };
    },
  };
  return { child, lines };
}

const relay = run(RELAY);
const setup = JSON.parse((await relay.lines.next()).value) as { url: string; tenant: string; meeting: string; devices: { seed: string; secret: string }[] };
const { url, tenant } = setup;

async function post<R>(path: string, body: unknown): Promise<R> {
  const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.1' }, body: JSON.stringify(body) });
  const json = (await r.json()) as R;
  if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** One member's login, one after another; milliseconds per login. */
async function logins(devices: { seed: string; secret: string }[]): Promise<number[]> {
  const ms: number[] = [];
  for (const d of devices) {
    const signer = await signerFromSeed(fromHex(d.seed, 32));
    const device = toHex(signer.publicKey);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(d.secret) });
    const t0 = performance.now();
    const { nonce } = await post<{ nonce: string }>(`/api/${tenant}/login/challenge`, { device });
    const sig = toHex(await signer.sign(sessionInput(nonce, tenant, device)));
    await post(`/api/${tenant}/login`, { device, nonce, sig, code: totp.generate() });
    ms.push(performance.now() - t0);
  }
  return ms;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const show = (xs: number[]) => `median ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;

const warm = await fetch(`${url}/api/${tenant}/key`).then((r) => r.json());
void warm;
type Counts = { ok: number; limited: number; other: number; bytes: number; seconds: number };
/** Logins while LOOPS loops request `paths`, from the first answer on (the burst included). */
async function under(paths: string[], devices: typeof setup.devices): Promise<{ ms: number[]; counts: Counts }> {
  const attack = run(ATTACK(url, paths));
  await attack.lines.next();
  const ms = await logins(devices);
  attack.child.kill('SIGTERM');
  return { ms, counts: JSON.parse((await attack.lines.next()).value) as Counts };
}

const quiet = await logins(setup.devices.slice(0, LOGINS));
const flood = await under([`/api/${tenant}/key`], setup.devices.slice(LOGINS, 2 * LOGINS));
const heavy = await under([`/api/${tenant}/${setup.meeting}/export`, '/api/handbook/security/de.pdf', '/api/handbook/privacy/de.pdf'], setup.devices.slice(2 * LOGINS));
relay.child.kill('SIGTERM');
const rates = (c: Counts) => `${(c.ok / c.seconds).toFixed(0)} answers/s served (${(c.bytes / c.seconds / 1e6).toFixed(1)} MB/s), ${(c.limited / c.seconds).toFixed(0)}/s refused with 429, ${c.other} other`;

console.log(`bench/attack-http (${ROOT === resolve('.') ? 'this checkout' : ROOT}): ${LOGINS} logins each, relay in its own process, ${ENVELOPES} public envelopes`);
const ratio = (xs: number[]) => `median ${(pct(xs, 50) / pct(quiet, 50)).toFixed(2)}x, p95 ${(pct(xs, 95) / pct(quiet, 95)).toFixed(2)}x the no-load figures`;
console.log(`  login, no load:                               ${show(quiet)}`);
console.log(`  login, ${LOOPS} loops of GET /api/<tenant>/key:       ${show(flood.ms)}; ${ratio(flood.ms)}`);
console.log(`  login, ${LOOPS} loops on the export and the PDFs:    ${show(heavy.ms)}; ${ratio(heavy.ms)}`);
console.log(`  attackers on the key:    ${rates(flood.counts)}`);
console.log(`  attackers on export/PDF: ${rates(heavy.counts)}`);
process.exit(0);

/**
 * bench/login: the login round trip on the relay (SEC-3): challenge, Ed25519 signature of the device,
 * TOTP code, session. The relay runs in its own process, so on one core; devices (this process) sign.
 * Baseline in the same run: a plain JSON GET to the same relay (/api/<tenant>/key), same concurrency.
 * Each device logs in once (a TOTP code counts once per device and 30 s step), so DEVICES are enrolled first.
 * Run: npx tsx bench/login.ts
 */
import { spawn } from 'node:child_process';
import * as OTPAuth from 'otpauth';
import { toHex } from '../crypto/bytes.js';
import { issue } from '../crypto/cert.js';
import { generateSeed, type Signer, signerFromSeed } from '../crypto/ed25519.js';
import { enrolInput, sessionInput, signAdmin } from '../core/identity.js';
import { invitationLink } from '../web/identity.js';
import { localSmtp } from '../relay/mailbox.js';

const DEVICES = 300;
const CONCURRENCY = 8;
const T = 'bench';

const mailbox = await localSmtp();
const admin = await signerFromSeed(generateSeed());
const child = spawn(process.execPath, ['--import', 'tsx', 'bench/login-relay.ts'], {
  env: { ...process.env, BENCH_SMTP_PORT: String(mailbox.port), BENCH_TENANT_KEY: toHex(admin.publicKey) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((ok) => child.stdout!.once('data', (b: Buffer) => ok((JSON.parse(b.toString()) as { url: string }).url)));

async function post<R>(path: string, body: unknown): Promise<R> {
  const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await r.json()) as R;
  if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** Runs `n` tasks with at most CONCURRENCY in flight; returns the wall time in ms. */
async function timed(n: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await task(next++);
  }));
  return performance.now() - t0;
}

console.log(`bench/login: enrolling ${DEVICES} devices ...`);
const devices: { signer: Signer; device: string; totp: OTPAuth.TOTP }[] = [];
for (let i = 0; i < DEVICES; i++) {
  const person = `p${i}`;
  await post(`/api/${T}/admin`, await signAdmin(admin, T, 'invite', { person, name: `Person ${i}`, email: `${person}@example.org`, roles: ['member'], bodies: ['rat'], ...invitationLink(admin.publicKey, T, url) }));
  const token = /#\/enrol\/bench\/([A-Za-z0-9_-]+)/.exec(mailbox.mails.at(-1)!.text)![1]!;
  const signer = await signerFromSeed(generateSeed());
  const device = toHex(signer.publicKey);
  const { uri } = await post<{ uri: string }>(`/api/${T}/enrol/start`, { token, device, sig: toHex(await signer.sign(enrolInput(T, token, device))) });
  const totp = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
  await post(`/api/${T}/enrol/confirm`, { token, device, code: totp.generate() });
  const now = Date.now();
  const cert = await issue({ v: 1, tenant: T, person, name: `Person ${i}`, device, roles: ['member'], bodies: ['rat'], notBefore: now - 60_000, notAfter: now + 86_400_000 }, admin);
  await post(`/api/${T}/admin`, await signAdmin(admin, T, 'certify', { cert }));
  devices.push({ signer, device, totp });
}

// Warm-up of both paths, then the measured runs.
for (let i = 0; i < 50; i++) await fetch(`${url}/api/${T}/key`).then((r) => r.json());
const baseline = await timed(DEVICES, () => fetch(`${url}/api/${T}/key`).then((r) => r.json()));
const login = await timed(DEVICES, async (i) => {
  const d = devices[i]!;
  const { nonce } = await post<{ nonce: string }>(`/api/${T}/login/challenge`, { device: d.device });
  const sig = toHex(await d.signer.sign(sessionInput(nonce, T, d.device)));
  await post<{ session: string }>(`/api/${T}/login`, { device: d.device, nonce, sig, code: d.totp.generate({ timestamp: Date.now() + 30_000 }) });
});

const rate = (ms: number) => (DEVICES / ms) * 1000;
console.log(`relay in one process (one core), ${CONCURRENCY} requests in flight, ${DEVICES} devices`);
console.log(`  baseline GET /api/<tenant>/key:             ${rate(baseline).toFixed(0)} requests/s`);
console.log(`  login round trip (challenge, sign, TOTP):   ${rate(login).toFixed(0)} logins/s (${(login / baseline).toFixed(2)}x the baseline's time; 2 requests each)`);
child.kill('SIGTERM');
await mailbox.close();

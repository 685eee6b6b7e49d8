/** The `ratsraum` command: export a meeting's record and verify it offline; a changed byte fails. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toBase64, toHex } from '../../crypto/bytes.js';
import { type Cert, issue } from '../../crypto/cert.js';
import { generateSeed, signerFromSeed } from '../../crypto/ed25519.js';
import { fingerprint } from '../../crypto/hash.js';
import { cleanup, demoRelay, device, online, until } from '../helpers/relay.js';

let ctx: Awaited<ReturnType<typeof demoRelay>>;
let openRecord: string;
beforeAll(async () => {
  ctx = await demoRelay();
  const chair = await device(ctx.demo, 'm01', [ctx.wsUrl]);
  await online(chair);
  await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
  await chair.replica.create('session.open', {});
  await chair.replica.create('vote.open', { vote: 'v1', item: 'top3', title: 'Radverkehrskonzept', mode: 'roll-call' });
  await chair.replica.create('vote.cast', { vote: 'v1', choice: 'yes' });
  await chair.replica.create('vote.close', { vote: 'v1' });
  await online(chair);
  openRecord = exportRecord();
  const close = await chair.replica.create('session.close', {});
  // The chair's device sends its signed heads every beaconMs: wait until the relay holds one covering the close.
  const hex = toHex(close.author);
  await until(async () => (await ctx.relay.store.beacons(ctx.demo.tenant, ctx.demo.meeting)).some((b) => b.author === hex && (b.frontier.public?.[hex] ?? 0) >= close.seq), "the chair's heads covering the close");
  chair.client.stop();
});
afterAll(async () => {
  await ctx.relay.close();
  cleanup(ctx.dataDir);
});

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/ratsraum.mjs', ...args], { encoding: 'utf8' });
const exportRecord = () => execFileSync(process.execPath, ['bin/ratsraum.mjs', 'export', '--data', ctx.dataDir, '--tenant', ctx.demo.tenant, '--meeting', ctx.demo.meeting], { encoding: 'utf8' });
const write = (name: string, text: string) => {
  const file = join(ctx.dataDir, name);
  writeFileSync(file, text);
  return file;
};
const realFingerprint = async () => fingerprint((await signerFromSeed(fromHex(ctx.demo.tenantSeed, 32))).publicKey);

describe('ratsraum export and verify', () => {
  it('SEC-1 an exported record of a closed session verifies offline and shows the folded state', async () => {
    const r = cli('verify', write('record.json', exportRecord()));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^OK: 12 envelopes, 12 applied/); // 6 of the demo setup (disruption.rules among them), 6 of the session
    expect(lines[1]).toBe(`tenant key fingerprint: ${await realFingerprint()} (NOT CHECKED: compare it with the fingerprint your municipality publishes, or pass --tenant-key)`);
    expect(r.stdout).toContain('session closed');
    expect(r.stdout).toContain('vote v1 (roll-call decision) "Radverkehrskonzept": closed; yes 1, no 0, abstain 0 -> accepted');
    expect(r.stdout).toContain('[n.ö.]');
  });

  it('SEC-1 (finding 12) a record taken while the session is open is pending (exit 3), not failed', () => {
    const r = cli('verify', write('open.json', openRecord));
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/^PENDING: 11 envelopes, 11 applied/);
    expect(r.stdout).toContain('pending: the session is open: the record is not final');
    expect(r.stdout).not.toContain('problem:');
  });

  it('SEC-1 a record with one changed byte fails verification with a clear reason', async () => {
    const pub = await (await fetch(`${ctx.relay.url}/api/${ctx.demo.tenant}/${ctx.demo.meeting}/export`)).json();
    const i = pub.envelopes.length - 1;
    const wire = fromBase64(pub.envelopes[i]);
    wire[wire.length - 80]! ^= 1;
    pub.envelopes[i] = toBase64(wire);
    const file = write('tampered.json', JSON.stringify(pub));
    const r = cli('verify', file);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAILED/);
    expect(r.stdout).toMatch(/rejected: bad signature/);
    writeFileSync(file, '{"format":"something else"}');
    const unknown = cli('verify', file);
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toMatch(/not a ratsraum-export\/v2 record/);
    expect(cli('verify', join(ctx.dataDir, 'missing.json')).status).toBe(2);
  });

  it('SEC-1 (finding 8) verify prints the tenant key fingerprint and fails with --tenant-key of another key', async () => {
    const honest = write('honest.json', exportRecord());
    const real = await realFingerprint();
    const ok = cli('verify', honest, '--tenant-key', real);
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.stdout.split('\n')[1]).toBe(`tenant key fingerprint: ${real} (matches --tenant-key)`);
    // The forger keeps every envelope and beacon (signed by the device keys) and vouches for the same device
    // keys under a fresh tenant key, making a member the chair: every signature in the record holds.
    const forger = await signerFromSeed(generateSeed());
    const rec = JSON.parse(readFileSync(honest, 'utf8')) as { tenantKey: string; certs: Cert[] };
    rec.tenantKey = toHex(forger.publicKey);
    rec.certs = await Promise.all(rec.certs.map((c) => issue(c.body.person === 'm02' ? { ...c.body, roles: ['chair', 'member'] } : c.body, forger)));
    const forged = write('forged.json', JSON.stringify(rec));
    const fake = fingerprint(forger.publicKey);
    const unchecked = cli('verify', forged);
    expect(unchecked.status, unchecked.stdout).toBe(0); // every signature holds: only the fingerprint tells
    expect(unchecked.stdout.split('\n')[1]).toBe(`tenant key fingerprint: ${fake} (NOT CHECKED: compare it with the fingerprint your municipality publishes, or pass --tenant-key)`);
    expect(fake).not.toBe(real);
    const r = cli('verify', forged, '--tenant-key', real.replace(/ /g, ''));
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: /);
    expect(r.stdout.split('\n')[1]).toBe(`tenant key fingerprint: ${fake} (DOES NOT MATCH --tenant-key)`);
    expect(r.stdout).toContain(`problem: tenant key: the record is signed under ${fake}, not under the expected ${real.replace(/ /g, '')}`);
    expect(cli('verify', honest, '--tenant-key', 'not-a-fingerprint').status).toBe(2);
  }, 300_000); // five CLI runs, each a Node start with tsx: slow on a loaded machine
});

describe('ratsraum import-oparl', () => {
  it('ORG-1 imports an OParl folder, previews with --dry-run, re-imports without duplicates, reports a sloppy source', () => {
    const data = join(ctx.dataDir, 'oparl');
    const dry = cli('import-oparl', 'test/fixtures/oparl/clean', '--tenant', 'musterstadt', '--data', data, '--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('persons: 8 added, 0 updated, 0 removed, 0 unchanged');
    expect(dry.stdout).toContain('would import into tenant musterstadt');
    const first = cli('import-oparl', 'test/fixtures/oparl/clean', '--tenant', 'musterstadt', '--data', data);
    expect(first.stdout).toContain('agendaItems: 7 added, 0 updated, 0 removed, 0 unchanged');
    const again = cli('import-oparl', 'test/fixtures/oparl/clean', '--tenant', 'musterstadt', '--data', data);
    expect(again.stdout).toContain('persons: 0 added, 0 updated, 0 removed, 8 unchanged');
    const sloppy = cli('import-oparl', 'test/fixtures/oparl/sloppy', '--tenant', 'nachbarstadt', '--data', data, '--dry-run');
    expect(sloppy.stdout).toMatch(/warning \[[a-z-]+\] /);
    expect(cli('import-oparl', '--tenant', 'x').status).toBe(2);
  });
});

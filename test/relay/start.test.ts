/** `ratsraum start`: seeds the demo council once, prints working links, and keeps them across restarts. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Demo } from '../../relay/demo.js';
import { fromHex } from '../../crypto/bytes.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import { signAdmin } from '../../core/identity.js';
import { invitationLink } from '../../web/identity.js';
import { cleanup, device, online, tempDir, until } from '../helpers/relay.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function start(dataDir: string): Promise<{ child: ChildProcess; out: () => string; base: string }> {
  const child = spawn(process.execPath, ['bin/ratsraum.mjs', 'start', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  stops.push(() => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      return new Promise<void>((r) => child.once('exit', () => r()));
    }
  });
  await until(() => /Each device link/.test(out), 'the links are printed', 90_000).catch((e) => {
    throw new Error(`${e.message}\n${out}`);
  });
  return { child, out: () => out, base: /Ratsraum relay on (http:\/\/\S+)/.exec(out)![1]! };
}

const links = (out: string) => [...out.matchAll(/https?:\/\/\S+#\/\S+/g)].map((m) => m[0]);

describe('ratsraum start', () => {
  it('seeds the demo Bezirksvertretung and prints chair, member, advisory and public links that stay valid', async () => {
    const dataDir = tempDir();
    stops.push(() => cleanup(dataDir));
    const first = await start(dataDir);
    const printed = links(first.out());
    const device_ = printed.filter((u) => u.includes('#/m/'));
    expect(device_).toHaveLength(15 + 2 + 1 + 1 + 1); // 15 voting members incl. the chair, 2 advisory, the admin device, the room device, the minute-taker
    for (const u of device_) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#\/m\/musterstadt\/[\w-]+\?device=[0-9a-f]{64}&fp=[0-9a-f]{32}$/);
    expect(printed.filter((u) => u.includes('#/public/'))).toEqual([`${first.base}/#/public/musterstadt/bv-mitte-2026-12`]);
    expect(first.out()).toMatch(/Sitzungsleitung \/ chair: .+\n {2}http/);
    expect(await (await fetch(`${first.base}/health`)).json()).toMatchObject({ status: 'ok', db: true });

    // The seeded meeting as the chair's device sees it.
    const demo = JSON.parse(readFileSync(join(dataDir, 'demo-devices.json'), 'utf8')) as Demo;
    const chair = await device(demo, 'm01', [`${first.base.replace('http', 'ws')}/sync`]);
    stops.push(() => chair.client.stop());
    await online(chair);
    const s = chair.replica.state;
    expect(s.body).toMatchObject({ type: 'bezirksvertretung', statutoryMembers: 15 });
    expect(s.factions.map((f) => f.name)).toEqual(['CDU', 'SPD', 'GRÜNE', 'FDP']);
    const voting = s.persons.filter((p) => p.voting);
    expect(voting).toHaveLength(15);
    expect(Object.fromEntries(s.factions.map((f) => [f.name, voting.filter((p) => p.faction === f.id).length]))).toEqual({ CDU: 5, SPD: 4, GRÜNE: 4, FDP: 2 });
    expect(s.persons.filter((p) => !p.voting)).toHaveLength(3); // two advisory members with devices, one still to be invited
    expect(s.agenda.length).toBeGreaterThanOrEqual(6);
    expect(s.agenda.some((i) => i.public) && s.agenda.some((i) => !i.public)).toBe(true);
    expect(chair.replica.directory.get(chair.replica.deviceKey!)?.roles).toEqual(['chair', 'member']);
    expect(s.rejected).toEqual([]);
    chair.client.stop();

    // VID-5: the admin console link holds the tenant key; an invitation goes to the local mailbox, printed.
    const console_ = printed.find((u) => u.includes('#/admin/'))!;
    const key = /key=([0-9a-f]{64})&fp=([0-9a-f]{32})$/.exec(console_)!;
    expect(key).not.toBeNull();
    const admin = await signerFromSeed(fromHex(key[1]!, 32));
    const invite = await signAdmin(admin, 'musterstadt', 'invite', { person: 'b3', name: 'Sevim Arslan', email: 'sevim@example.org', roles: ['advisory'], bodies: ['bv-mitte'], ...invitationLink(admin.publicKey, 'musterstadt', first.base) });
    const sent = await fetch(`${first.base}/api/musterstadt/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(invite) });
    expect(sent.status).toBe(200);
    await until(() => /--- Mail an \/ to sevim@example\.org: Einladung zu Ratsraum/.test(first.out()), 'the mail printed');
    expect(first.out()).toMatch(new RegExp(`${first.base.replace(/[.]/g, '\\.')}/#/enrol/musterstadt/[A-Za-z0-9_-]+\\?fp=${key[2]}`));

    first.child.kill('SIGTERM');
    await new Promise((r) => first.child.once('exit', r));
    const second = await start(dataDir);
    const strip = (u: string) => u.replace(/^http:\/\/[^/]+/, '');
    expect(links(second.out()).map(strip)).toEqual(printed.map(strip));
    expect(printed.filter((u) => u.includes('#/enrol/'))).toEqual([]);
    expect(second.out()).not.toMatch(/error/i);
  });
});

/** The `ratsraum` command: export a meeting's record and verify it offline; a changed byte fails. */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../crypto/bytes.js';
import { cleanup, demoRelay, device, online } from '../helpers/relay.js';

let ctx: Awaited<ReturnType<typeof demoRelay>>;
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
  chair.client.stop();
});
afterAll(async () => {
  await ctx.relay.close();
  cleanup(ctx.dataDir);
});

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/ratsraum.mjs', ...args], { encoding: 'utf8' });

describe('ratsraum export and verify', () => {
  it('SEC-1 an exported record verifies offline and shows the folded state', () => {
    const record = execFileSync(process.execPath, ['bin/ratsraum.mjs', 'export', '--data', ctx.dataDir, '--tenant', ctx.demo.tenant, '--meeting', ctx.demo.meeting], { encoding: 'utf8' });
    const file = join(ctx.dataDir, 'record.json');
    writeFileSync(file, record);
    const r = cli('verify', file);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^OK: 9 envelopes, 9 applied/); // 4 of the demo setup, 5 of the session
    expect(r.stdout).toContain('vote v1 (roll-call decision) "Radverkehrskonzept": closed; yes 1, no 0, abstain 0 -> accepted');
    expect(r.stdout).toContain('[n.ö.]');
  });

  it('SEC-1 a record with one changed byte fails verification with a clear reason', async () => {
    const pub = await (await fetch(`${ctx.relay.url}/api/${ctx.demo.tenant}/${ctx.demo.meeting}/export`)).json();
    const i = pub.envelopes.length - 1;
    const wire = fromBase64(pub.envelopes[i]);
    wire[wire.length - 80]! ^= 1;
    pub.envelopes[i] = toBase64(wire);
    const file = join(ctx.dataDir, 'tampered.json');
    writeFileSync(file, JSON.stringify(pub));
    const r = cli('verify', file);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAILED/);
    expect(r.stdout).toMatch(/rejected: bad signature/);
    writeFileSync(file, '{"format":"something else"}');
    expect(cli('verify', file).stdout).toMatch(/not a ratsraum-export\/v1 record/);
    expect(cli('verify', join(ctx.dataDir, 'missing.json')).status).toBe(2);
  });
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

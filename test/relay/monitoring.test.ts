/**
 * AV-2 monitoring: the relay's Prometheus metrics (prom-client), its thresholds (relay/monitor.ts), /health and
 * the operators' mail. A stalled relay is a real relay process stopped with SIGSTOP while a device signs; a
 * throttled member is a device on the real /video socket reporting the figures a throttled line gives.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatsReport } from '../../core/video-wire.js';
import type { Demo } from '../../relay/demo.js';
import { localSmtp } from '../../relay/mailbox.js';
import { cleanup, demoRelay, device, online, tempDir, until } from '../helpers/relay.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const health = async (base: string) => (await (await fetch(`${base}/health`)).json()) as { status: string; degraded: string[] };

describe('AV-2 monitoring', () => {
  it('AV-2 the alert rules are valid: each names only metrics the relay exports, and /metrics names no person (promtool check rules where installed)', async () => {
    const site = await demoRelay();
    stops.push(() => cleanup(site.dataDir), () => site.relay.close());
    const member = await device(site.demo, 'm02', [site.wsUrl]);
    stops.push(() => member.client.stop());
    await online(member);
    const text = await (await fetch(`${site.relay.url}/metrics`)).text();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((m) => m[1]!));
    for (const n of ['ratsraum_public_sync_latency_seconds', 'ratsraum_public_delivery_seconds', 'ratsraum_connections', 'ratsraum_sfu_up', 'ratsraum_member_quality', 'ratsraum_degraded']) expect(exported, n).toContain(n);
    expect(text).toMatch(/^# TYPE ratsraum_public_sync_latency_seconds histogram$/m);
    for (const d of site.demo.devices) {
      expect(text).not.toContain(d.name);
      expect(text).not.toMatch(new RegExp(`"${d.person}"`));
    }

    const file = join(process.cwd(), 'docs/ops/alerts.yml');
    const rules = (JSON.parse(readFileSync(file, 'utf8')) as { groups: { name: string; rules: Record<string, unknown>[] }[] }).groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(6);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r, String(r.alert)).toMatchObject({ alert: expect.stringMatching(/^Ratsraum\w+$/), expr: expect.any(String), for: expect.stringMatching(/^\d+[smh]$/), labels: { severity: expect.stringMatching(/^(critical|warning|info)$/) }, annotations: { summary: expect.any(String) } });
      const expr = r.expr as string;
      let depth = 0;
      for (const ch of expr) if ((depth += ch === '(' ? 1 : ch === ')' ? -1 : 0) < 0) break;
      expect(depth, `${r.alert}: parentheses`).toBe(0);
      const names = [...expr.matchAll(/\b(ratsraum_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
      expect(names.length + (expr.startsWith('up{') ? 1 : 0), `${r.alert} names a metric`).toBeGreaterThan(0);
      for (const n of names) expect(exported, `${r.alert}: ${n}`).toContain(n);
    }
    let promtool = true;
    try {
      execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    } catch {
      promtool = false;
    }
    if (promtool) expect(execFileSync('promtool', ['check', 'rules', file]).toString()).toMatch(/SUCCESS/);
  }, 60_000);

  it('AV-2 a stalled relay raises the right notification: sync latency degraded on /health (the chair\'s notice), in /metrics, and mailed to the operators, then recovered', async () => {
    const dataDir = tempDir();
    stops.push(() => cleanup(dataDir));
    // The relay itself (not the bin/ratsraum.mjs wrapper), so that SIGSTOP stops the process that stores.
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'relay/cli.ts', 'start', '--port', '0', '--data', dataDir, '--janus', 'off', '--ops-mail', 'betrieb@example.org', '--alert-sync-ms', '1000', '--alert-window-s', '4', '--monitor-every-ms', '250'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    stops.push(() => {
      if (child.exitCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      return new Promise<void>((r) => child.once('exit', () => r()));
    });
    await until(() => /Each device link/.test(out), 'the relay is up', 90_000);
    const base = /Ratsraum relay on (http:\/\/\S+)/.exec(out)![1]!;
    const demo = JSON.parse(readFileSync(join(dataDir, 'demo-devices.json'), 'utf8')) as Demo;
    const chair = await device(demo, 'm01', [`${base.replace('http', 'ws')}/sync`], { pingMs: 60_000 });
    stops.push(() => chair.client.stop());
    await online(chair);
    expect(await health(base)).toMatchObject({ status: 'ok', degraded: [] });

    // The relay process stops; the chair's device signs on; the relay stores those entries late.
    child.kill('SIGSTOP');
    for (const place of ['remote', 'onsite', 'remote'] as const) await chair.replica.create('attendance.in', { person: 'm01', place });
    await new Promise((r) => setTimeout(r, 2500)); // the stall itself
    child.kill('SIGCONT');
    await until(() => /--- Mail an \/ to betrieb@example\.org: Ratsraum: degraded: sync-latency/.test(out), 'the operators are mailed', 30_000);
    expect(await health(base)).toMatchObject({ status: 'degraded', degraded: ['sync-latency'] });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('ratsraum_degraded{condition="sync-latency"} 1');
    expect(metrics).toContain('ratsraum_alerts_total{condition="sync-latency"} 1');
    // Entries flow on time again: once the window passes, recovered, and the operators hear it.
    for (let i = 0; i < 3; i++) await chair.replica.create('attendance.in', { person: 'm01', place: i % 2 ? 'remote' : 'onsite' });
    await until(() => /Ratsraum: recovered: sync-latency/.test(out), 'recovered', 30_000);
    expect(await health(base)).toMatchObject({ status: 'ok', degraded: [] });
  }, 180_000);

  it('AV-2 a throttled member raises the right notification: member quality degraded on /health and mailed to the operators, without the member\'s name', async () => {
    const mailbox = await localSmtp();
    stops.push(() => mailbox.close());
    const site = await demoRelay({ relay: { smtp: { host: mailbox.host, port: mailbox.port, from: 'ratsraum@localhost' }, opsMail: ['betrieb@example.org'], monitor: { everyMs: 200 } } });
    stops.push(() => cleanup(site.dataDir), () => site.relay.close());
    const member = await device(site.demo, 'm02', [site.wsUrl]);
    stops.push(() => member.client.stop());
    await online(member);
    const ticket = await member.client.videoTicket();
    const ws = new WebSocket(site.wsUrl.replace(/\/sync$/, '/video'));
    stops.push(() => ws.close());
    const frames: { t: string }[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as { t: string }));
    await new Promise((ok) => ws.once('open', ok));
    ws.send(JSON.stringify({ t: 'hello', ticket }));
    await until(() => frames.some((f) => f.t === 'ready'), 'video ready');
    // What getStats() gives on a line throttled to 48 kbit/s: long round trips, heavy loss, few frames.
    const throttled: StatsReport = { rttMs: 900, lossPct: 18, upKbps: 40, downKbps: 45, fps: 3, audioOut: true, videoOut: true };
    const report = (stats: StatsReport) => ws.send(JSON.stringify({ t: 'stats', stats }));
    report(throttled);
    await until(() => mailbox.mails.some((m) => /degraded: member-quality/.test(m.raw)), 'the operators are mailed', 30_000);
    const mail = mailbox.mails.find((m) => /degraded: member-quality/.test(m.raw))!;
    expect(mail.to).toEqual(['betrieb@example.org']);
    expect(mail.text).not.toContain('Peter Hoffmann');
    expect(await health(site.relay.url)).toMatchObject({ status: 'degraded', degraded: ['member-quality'] });
    expect(await (await fetch(`${site.relay.url}/metrics`)).text()).toContain('ratsraum_member_quality{quality="poor"} 1');
    report({ ...throttled, rttMs: 40, lossPct: 0, upKbps: 600, downKbps: 900, fps: 15 });
    await until(() => mailbox.mails.some((m) => /recovered: member-quality/.test(m.raw)), 'recovered', 30_000);
  }, 120_000);
});

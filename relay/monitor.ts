/**
 * AV-2: thresholds over the relay's own measurements, what /health reports as degraded, and the operators'
 * mail when a condition starts (and when it ends). The chair's device reads /health (web/views/disruption/
 * health.ts); Prometheus evaluates the same conditions from /metrics with docs/ops/alerts.yml. Conditions
 * carry no names of persons: a member's poor line is `member-quality` here; who it is the chair sees in the app.
 */
import nodemailer from 'nodemailer';
import type { SmtpConfig } from './invitations.js';
import type { Metrics } from './metrics.js';

export const CONDITIONS = ['db', 'sync-latency', 'delivery', 'sfu-down', 'member-quality'] as const;
export type Condition = (typeof CONDITIONS)[number];

export interface Thresholds {
  /** p95 of entry signing → storage over the window (a stalled relay stores late). */
  syncLatencyMs: number;
  /** p95 of one batch's fan-out to the meeting's connections. */
  fanoutMs: number;
  /** Members with `poor` or `lost` quality at which the condition holds. */
  poorMembers: number;
  windowMs: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { syncLatencyMs: 2000, fanoutMs: 250, poorMembers: 1, windowMs: 60_000 };

export interface MonitorDeps {
  metrics: Metrics;
  db: () => boolean | Promise<boolean>;
  video: () => Promise<{ sfuUp: boolean | null; quality: Record<'good' | 'fair' | 'poor' | 'lost', number> }>;
  thresholds?: Partial<Thresholds>;
  /** Operators' addresses; mail goes out over `smtp` when a condition starts or ends. */
  opsMail?: { to: string[]; smtp: SmtpConfig; relay: string };
  log: (m: string) => void;
  now?: () => number;
}

const p95 = (xs: number[]): number => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!);

export class Monitor {
  readonly thresholds: Thresholds;
  private readonly samples = { sync: [] as [number, number][], fanout: [] as [number, number][] };
  private degraded = new Set<Condition>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;
  /** Mails sent (subject lines), for the log and the tests' account of what operators were told. */
  readonly notices: string[] = [];

  constructor(private readonly d: MonitorDeps) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...d.thresholds };
    this.now = d.now ?? Date.now;
    d.metrics.onObserve((name, seconds) => {
      const list = name === 'public_sync_latency_seconds' ? this.samples.sync : name === 'public_delivery_seconds' ? this.samples.fanout : undefined;
      list?.push([this.now(), seconds * 1000]);
    });
  }

  /** Evaluates every condition, sets the gauges, notifies on changes; returns what is degraded now. */
  async check(): Promise<Condition[]> {
    const t = this.thresholds;
    const since = this.now() - t.windowMs;
    for (const k of ['sync', 'fanout'] as const) this.samples[k] = this.samples[k].filter(([at]) => at >= since);
    const video = await this.d.video();
    const m = this.d.metrics;
    if (video.sfuUp !== null) m.gauge('sfu_up', video.sfuUp ? 1 : 0);
    for (const [q, n] of Object.entries(video.quality)) m.gauge('member_quality', n, { quality: q });
    const now = new Set<Condition>();
    if (!(await this.d.db())) now.add('db');
    if (p95(this.samples.sync.map(([, x]) => x)) > t.syncLatencyMs) now.add('sync-latency');
    if (p95(this.samples.fanout.map(([, x]) => x)) > t.fanoutMs) now.add('delivery');
    if (video.sfuUp === false) now.add('sfu-down');
    if (video.quality.poor + video.quality.lost >= t.poorMembers) now.add('member-quality');
    for (const c of CONDITIONS) m.gauge('degraded', now.has(c) ? 1 : 0, { condition: c });
    const started = [...now].filter((c) => !this.degraded.has(c));
    const ended = [...this.degraded].filter((c) => !now.has(c));
    this.degraded = now;
    for (const c of started) m.count('alerts_total', 1, { condition: c });
    if (started.length || ended.length) await this.notify(started, ended);
    return [...now];
  }

  current(): Condition[] {
    return [...this.degraded];
  }

  start(everyMs = 5000): void {
    this.timer = setInterval(() => void this.check().catch((e: Error) => this.d.log(`monitor: ${e.message}`)), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async notify(started: Condition[], ended: Condition[]): Promise<void> {
    const subject = `Ratsraum: ${started.length ? `degraded: ${started.join(', ')}` : ''}${started.length && ended.length ? '; ' : ''}${ended.length ? `recovered: ${ended.join(', ')}` : ''}`;
    this.notices.push(subject);
    this.d.log(`monitor: ${subject}`);
    const o = this.d.opsMail;
    if (!o || o.to.length === 0) return;
    const text = [
      `Relay ${o.relay}`,
      ...started.map((c) => `degraded: ${c}`),
      ...ended.map((c) => `recovered: ${c}`),
      `thresholds: sync latency p95 ${this.thresholds.syncLatencyMs} ms, fan-out p95 ${this.thresholds.fanoutMs} ms, members with poor quality ${this.thresholds.poorMembers}, window ${this.thresholds.windowMs / 1000} s`,
      `Details: ${o.relay}/health and ${o.relay}/metrics`,
    ].join('\n');
    const transport = nodemailer.createTransport({ host: o.smtp.host, port: o.smtp.port, secure: o.smtp.secure ?? false, ignoreTLS: !o.smtp.secure && o.smtp.host === '127.0.0.1' });
    await transport.sendMail({ from: o.smtp.from, to: o.to, subject, text }).catch((e: Error) => this.d.log(`monitor: mail to operators failed: ${e.message}`));
  }
}

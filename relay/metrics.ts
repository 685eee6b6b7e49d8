/**
 * Prometheus metrics (AV-2) through prom-client, text exposition format 0.0.4: counters, gauges, histograms.
 * Nothing derived from content: no counts of entries, docs or kinds, which would show the activity of a
 * non-public part to whoever reads the metrics. Served only to loopback or with the bearer token.
 */
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { clientOf } from './rate-limit.js';

type Labels = Record<string, string>;

/** Counters: name, help and label names. A counter not declared here cannot be counted (it might leak what it counts). */
const COUNTERS: Record<string, [string, string[]]> = {
  envelopes_rejected_total: ['Frames or envelopes refused, by error code', ['code']],
  envelopes_duplicate_total: ['Envelopes received that the relay held already (acknowledged, not stored again)', []],
  logins_total: ['Connections that logged in, by role', ['role']],
  slow_readers_dropped_total: ['Connections dropped because their send buffer was full', []],
  connections_refused_total: ['WebSocket upgrades refused, by reason', ['reason']],
  beacons_dropped_total: ['Beacons dropped over the per-connection rate', ['reason']],
  alerts_total: ['Thresholds crossed (relay/monitor.ts), by condition', ['condition']],
};

/** Gauges the relay sets from its own state when scraped: no names of persons, no content. */
const GAUGES: Record<string, [string, string[]]> = {
  connections: ['Open WebSocket connections by role', ['role']],
  uptime_seconds: ['Seconds since the relay started', []],
  sfu_up: ['1 while the SFU (Janus) runs, 0 while it is down or restarting; absent in mesh mode', []],
  member_quality: ['Connected members by connection quality mark (core/quality.ts), over all meetings', ['quality']],
  degraded: ['1 while a condition of /health is degraded (relay/monitor.ts)', ['condition']],
};

/** Histograms in seconds. Buckets around the thresholds of relay/monitor.ts. */
const HISTOGRAMS: Record<string, [string, number[]]> = {
  // Public entries only: how many entries a non-public part has must not show here (SEC-4, PUB-5).
  public_sync_latency_seconds: ["Public entries: from the entry's signed clock (hlc.wall) to its storage at the relay", [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]],
  public_delivery_seconds: ['Public entries: time to hand one stored batch to every connection of the meeting (fan-out)', [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1]],
};

/**
 * The relay's metrics on prom-client (a registry of its own, no default process metrics). The families are
 * declared above; `count`, `gauge` and `observe` refuse anything else.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();
  /** Called before every scrape, to set gauges from the relay's state. */
  onCollect: () => void | Promise<void> = () => {};

  constructor() {
    for (const [n, [help, labelNames]] of Object.entries(COUNTERS)) this.counters.set(n, new Counter({ name: `ratsraum_${n}`, help, labelNames, registers: [this.registry] }));
    for (const [n, [help, labelNames]] of Object.entries(GAUGES)) this.gauges.set(n, new Gauge({ name: `ratsraum_${n}`, help, labelNames, registers: [this.registry] }));
    for (const [n, [help, buckets]] of Object.entries(HISTOGRAMS)) this.histograms.set(n, new Histogram({ name: `ratsraum_${n}`, help, buckets, registers: [this.registry] }));
  }

  count(name: string, by = 1, labels: Labels = {}): void {
    const c = this.counters.get(name) ?? fail('counter', name);
    c.inc(labels, by);
  }

  gauge(name: string, value: number, labels: Labels = {}): void {
    (this.gauges.get(name) ?? fail('gauge', name)).set(labels, value);
  }

  observe(name: string, seconds: number): void {
    (this.histograms.get(name) ?? fail('histogram', name)).observe(Math.max(0, seconds));
    for (const l of this.observers) l(name, seconds);
  }

  /** Listens to every observation (relay/monitor.ts keeps a window of them for its thresholds). */
  onObserve(l: (name: string, seconds: number) => void): void {
    this.observers.push(l);
  }
  private readonly observers: ((name: string, seconds: number) => void)[] = [];

  /** A counter's or gauge's current value (0 when never set). */
  get(name: string, labels: Labels = {}): number {
    const m = this.counters.get(name) ?? this.gauges.get(name) ?? fail('metric', name);
    const want = Object.entries(labels);
    // prom-client keeps values per label set; read them without an async scrape.
    const values = (m as unknown as { hashMap: Record<string, { value: number; labels: Labels }> }).hashMap;
    for (const v of Object.values(values)) if (want.length === Object.keys(v.labels).length && want.every(([k, x]) => v.labels[k] === x)) return v.value;
    return 0;
  }

  /** Every family this relay exports (for the alert rules' check). */
  names(): string[] {
    return [...this.counters.keys(), ...this.gauges.keys(), ...this.histograms.keys()].map((n) => `ratsraum_${n}`);
  }

  async render(): Promise<string> {
    await this.onCollect();
    return (await this.registry.metrics()).replace(/\n\n+/g, '\n'); // one family after the other, no blank lines
  }
}

const fail = (what: string, name: string): never => {
  throw new RangeError(`metrics: undeclared ${what} '${name}'`);
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1)$/;

/** Compares in time independent of where the strings differ. */
function same(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/**
 * /metrics only for the operator: with `Authorization: Bearer <token>`, or from loopback when the request
 * did not pass a proxy (behind a local TLS proxy every request comes from loopback).
 */
export function metricsGuard(o: { token?: string; trustedProxies?: readonly string[] }): MiddlewareHandler {
  const trusted = o.trustedProxies ?? [];
  return async function metricsAccess(c, next) {
    const given = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    const byToken = !!o.token && given !== undefined && same(given, o.token);
    const proxied = c.req.header('x-forwarded-for') !== undefined || c.req.header('forwarded') !== undefined;
    const byLoopback = LOOPBACK.test(clientOf(c, trusted)) && (!proxied || trusted.length > 0);
    if (!byToken && !byLoopback) throw new HTTPException(403, { message: 'metrics are served to loopback or with the metrics token only' });
    await next();
  };
}

/**
 * Prometheus metrics in the text exposition format (version 0.0.4), counters and gauges with labels.
 * Nothing derived from content: no counts of entries, docs or kinds, which would show the activity of a
 * non-public part to whoever reads the metrics. Served only to loopback or with the bearer token.
 */
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { clientOf } from './rate-limit.js';

type Labels = Record<string, string>;

const key = (name: string, labels: Labels = {}): string => {
  const l = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
    .join(',');
  return l ? `${name}{${l}}` : name;
};

export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, number>();
  private readonly help = new Map<string, string>([
    ['envelopes_rejected_total', 'Frames or envelopes refused, by error code'],
    ['logins_total', 'Connections that logged in, by role'],
    ['slow_readers_dropped_total', 'Connections dropped because their send buffer was full'],
    ['connections_refused_total', 'WebSocket upgrades refused, by reason'],
    ['beacons_dropped_total', 'Beacons dropped over the per-connection rate'],
    ['connections', 'Open WebSocket connections by role'],
    ['uptime_seconds', 'Seconds since the relay started'],
  ]);

  /** Counts only the families declared above: a counter slipped in elsewhere must not leak what it counts. */
  count(name: string, by = 1, labels?: Labels): void {
    if (!this.help.has(name)) throw new RangeError(`metrics: undeclared counter '${name}'`);
    const k = key(`ratsraum_${name}`, labels);
    this.counters.set(k, (this.counters.get(k) ?? 0) + by);
  }

  gauge(name: string, value: number, labels?: Labels): void {
    this.gauges.set(key(`ratsraum_${name}`, labels), value);
  }

  get(name: string, labels?: Labels): number {
    const k = key(`ratsraum_${name}`, labels);
    return this.counters.get(k) ?? this.gauges.get(k) ?? 0;
  }

  render(extra: Record<string, number> = {}): string {
    const lines: string[] = [];
    const emit = (map: Map<string, number>, type: string) => {
      const seen = new Set<string>();
      for (const [k, v] of [...map].sort()) {
        const base = k.split('{')[0]!;
        if (!seen.has(base)) {
          seen.add(base);
          const h = this.help.get(base.replace(/^ratsraum_/, ''));
          if (h) lines.push(`# HELP ${base} ${h}`);
          lines.push(`# TYPE ${base} ${type}`);
        }
        lines.push(`${k} ${v}`);
      }
    };
    emit(this.counters, 'counter');
    emit(new Map([...this.gauges, ...Object.entries(extra).map(([k, v]) => [`ratsraum_${k}`, v] as [string, number])]), 'gauge');
    return lines.join('\n') + '\n';
  }
}

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

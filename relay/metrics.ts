/** Prometheus metrics in the text exposition format (version 0.0.4), counters and gauges with labels. */

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
    ['envelopes_accepted_total', 'Envelopes validated and stored'],
    ['envelopes_rejected_total', 'Frames or envelopes refused, by error code'],
    ['fanout_frames_total', 'Envelope frames sent to subscribers'],
    ['beacons_forwarded_total', 'Beacon messages sent to device connections'],
    ['logins_total', 'Connections that logged in, by role'],
    ['connections', 'Open WebSocket connections by role'],
    ['envelopes_stored', 'Envelopes held in the store'],
    ['uptime_seconds', 'Seconds since the relay started'],
  ]);

  count(name: string, by = 1, labels?: Labels): void {
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

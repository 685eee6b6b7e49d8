/**
 * The connections of each meeting (a room): presence, the latest beacons, storage usage. A room lives
 * only while someone is connected, so invented or finished meetings leave nothing behind in memory.
 * Presence is coalesced: at most one frame per room per tick, each device listed once, however many
 * connections come and go meanwhile (a device with many connections made it quadratic before).
 */
import type { SignedBeacon } from '../../core/wire.js';
import { encodeControl } from '../../core/wire.js';
import type { Limits, Usage } from './limits.js';
import type { SharedPresence } from './cluster.js';

/** What a room needs of a connection. */
export interface Member {
  readonly auth: { role: 'device' | 'public'; device: string | null; person: string | null; docs: readonly string[] } | null;
  push(frame: Uint8Array): void;
}

/** The docs a beacon speaks of (as core/replica.ts keys them): the latest per author and scope is kept. */
export const scopeOf = (b: SignedBeacon): string => Object.keys(b.frontier).sort().join(',');

/** A beacon about the public document only: the one kind that may reach those who read nothing else. */
export const publicScoped = (b: SignedBeacon): boolean => Object.keys(b.frontier).every((d) => d === 'public');

export class Room<S extends Member> {
  readonly sessions = new Set<S>();
  /** author + scope (the docs a beacon speaks of) -> the latest beacon. */
  readonly beacons = new Map<string, SignedBeacon>();
  usage: Usage | undefined;
  private presenceTimer: ReturnType<typeof setTimeout> | undefined;

  /** `shared`: the devices other relays have connected to this meeting (relay/sync/cluster.ts). */
  constructor(
    private readonly limits: Limits,
    private readonly shared?: SharedPresence,
  ) {}

  presenceChanged(): void {
    this.presenceTimer ??= setTimeout(() => {
      this.presenceTimer = undefined;
      this.sendPresence();
    }, this.limits.presenceMs);
  }

  private sendPresence(): void {
    const devices = new Map<string, { device: string; person: string; connected: boolean }>();
    for (const s of this.sessions) if (s.auth?.device) devices.set(s.auth.device, { device: s.auth.device, person: s.auth.person ?? '', connected: true });
    if (this.shared) {
      this.shared.mine([...devices.values()].map(({ device, person }) => ({ device, person })));
      for (const d of this.shared.others()) if (!devices.has(d.device)) devices.set(d.device, { ...d, connected: true });
    }
    const frame = encodeControl({ t: 'presence', devices: [...devices.values()] });
    // VID-3: the public sees which members are connected, by person, never which devices.
    const persons = [...new Set([...devices.values()].map((d) => d.person).filter((p) => p !== ''))].sort();
    const present = encodeControl({ t: 'present', persons });
    for (const s of this.sessions) s.push(s.auth?.role === 'device' ? frame : present);
  }

  keepBeacon(b: SignedBeacon): void {
    this.beacons.set(`${b.author} ${scopeOf(b)}`, b);
  }

  dispose(): void {
    clearTimeout(this.presenceTimer);
    this.presenceTimer = undefined;
  }
}

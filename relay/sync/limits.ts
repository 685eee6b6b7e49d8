/**
 * The sync side's limits against a hostile client (issue 10, "The relay under attack"): send buffers in
 * bytes, connections per device and per address, storage quotas per device and per meeting, beacon size
 * and rate. One place for the defaults; every one can be set through HubOptions.limits.
 */

export interface Limits {
  /** Bytes queued towards one connection before it counts as a slow reader and is dropped (close 4008). */
  sendBuffer: number;
  /** A paged sync answer sends its next page only once the queue has drained below this many bytes. */
  pageLowWater: number;
  /** Open connections of one device (all meetings), and of one client address (before login too). */
  perDevice: number;
  perAddress: number;
  /** Storage quotas: envelopes and bytes of wire one device may store in one meeting, and a meeting in all. */
  deviceQuota: { count: number; bytes: number };
  meetingQuota: { count: number; bytes: number };
  /** Largest beacon frame, and the token bucket for beacons per connection and doc scope. */
  beaconBytes: number;
  beaconRate: { burst: number; perSecond: number };
  /** Presence goes out at most once per room per tick (ms), listing each device once. */
  presenceMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  sendBuffer: 8 * 1024 * 1024,
  pageLowWater: 1024 * 1024,
  perDevice: 8,
  perAddress: 1000,
  deviceQuota: { count: 50_000, bytes: 256 * 1024 * 1024 },
  meetingQuota: { count: 500_000, bytes: 2 * 1024 * 1024 * 1024 },
  beaconBytes: 16 * 1024,
  beaconRate: { burst: 5, perSecond: 1 },
  presenceMs: 250,
};

/** Close codes of the sync endpoint (docs/PROTOCOL.md, "Sync protocol"). */
export const CLOSE = {
  slowReader: 4008,
  tooManyConnections: 4009,
  unknownMeeting: 4004,
  /** PUB-1: no valid personal access link where the body does not allow anonymous viewing, or the link was revoked. */
  publicAccess: 4006,
} as const;

export function limitsOf(partial: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, ...partial };
}

/** A token bucket: `take(n)` spends n tokens if it holds them. */
export class Bucket {
  private tokens: number;
  private at = Date.now();

  constructor(private readonly rate: { burst: number; perSecond: number }) {
    this.tokens = rate.burst;
  }

  take(n = 1): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + (Math.max(0, now - this.at) / 1000) * this.rate.perSecond);
    this.at = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}

/** Envelopes and bytes stored, per author and in total, of one meeting: loaded once, then counted along. */
export class Usage {
  private readonly byAuthor = new Map<string, { count: number; bytes: number }>();
  readonly total = { count: 0, bytes: 0 };

  constructor(rows: { author: string; count: number; bytes: number }[]) {
    for (const r of rows) {
      this.byAuthor.set(r.author, { count: r.count, bytes: r.bytes });
      this.total.count += r.count;
      this.total.bytes += r.bytes;
    }
  }

  /** Why storing `bytes` more for `author` would break a quota, or undefined when it fits. */
  exceeds(author: string, bytes: number, l: Limits): string | undefined {
    const a = this.byAuthor.get(author) ?? { count: 0, bytes: 0 };
    if (a.count + 1 > l.deviceQuota.count || a.bytes + bytes > l.deviceQuota.bytes) return 'this device has used its storage quota in this meeting';
    if (this.total.count + 1 > l.meetingQuota.count || this.total.bytes + bytes > l.meetingQuota.bytes) return 'this meeting has used its storage quota';
    return undefined;
  }

  add(author: string, bytes: number): void {
    const a = this.byAuthor.get(author) ?? { count: 0, bytes: 0 };
    this.byAuthor.set(author, { count: a.count + 1, bytes: a.bytes + bytes });
    this.total.count++;
    this.total.bytes += bytes;
  }
}

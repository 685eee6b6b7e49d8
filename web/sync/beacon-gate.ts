/**
 * When a device sends its own beacons (docs/PROTOCOL.md, "Beacons"): on the first beat after its log changed,
 * else every second beat. The relay client and the peer mesh each keep one.
 */
export class BeaconGate {
  private last = -Infinity;
  private changed = true;

  constructor(private readonly beatMs: number) {}

  /** The log changed: the next beat sends. */
  logChanged(): void {
    this.changed = true;
  }

  /** Whether this beat (at `now`) sends; if so, it counts as sent. */
  due(now: number): boolean {
    if (!this.changed && now - this.last < 2 * this.beatMs) return false;
    this.changed = false;
    this.last = now;
    return true;
  }
}

/** Hybrid logical clock (Kulkarni et al. 2014): wall time that never runs backwards, plus a counter. */
import type { Hlc } from '../crypto/envelope.js';

export const ZERO: Hlc = { wall: 0, counter: 0 };

export function tick(last: Hlc, now: number): Hlc {
  const wall = Math.max(last.wall, Math.floor(now));
  return { wall, counter: wall === last.wall ? last.counter + 1 : 0 };
}

/** Follows a clock seen in an entry, never past `limit` (the receiver's clock plus the allowed skew). */
export function observe(last: Hlc, seen: Hlc, limit = Number.MAX_SAFE_INTEGER): Hlc {
  if (seen.wall > limit) return last;
  if (seen.wall > last.wall) return { wall: seen.wall, counter: seen.counter };
  if (seen.wall === last.wall && seen.counter > last.counter) return { wall: last.wall, counter: seen.counter };
  return last;
}

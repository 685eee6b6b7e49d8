/**
 * Connection quality per member (AV-2) from the figures a device reads from getStats() (core/video-wire.ts
 * `statsReport`): the worst of round trip, loss and received frame rate decides the mark. `lost` is not a
 * threshold: a publishing member whose sound or picture stopped without a switch or order, or who stopped
 * reporting, is flagged by the relay's presence (relay/video/presence.ts).
 */
import type { Quality, StatsReport } from './video-wire.js';

/** Upper bounds of `good` and `fair`; above the second it is `poor`. fps: lower bounds, checked only when pictures arrive. */
export const THRESHOLDS = {
  rttMs: { good: 250, fair: 600 },
  lossPct: { good: 2, fair: 8 },
  fps: { good: 12, fair: 5 },
} as const;

/** How long without a report before a member counts as lost (ms). */
export const REPORT_TIMEOUT_MS = 10_000;

const RANK: Record<Exclude<Quality, 'lost'>, number> = { good: 0, fair: 1, poor: 2 };

const upper = (x: number | null, t: { good: number; fair: number }): Exclude<Quality, 'lost'> => (x === null || x <= t.good ? 'good' : x <= t.fair ? 'fair' : 'poor');
const lower = (x: number | null, t: { good: number; fair: number }): Exclude<Quality, 'lost'> => (x === null || x >= t.good ? 'good' : x >= t.fair ? 'fair' : 'poor');

export function quality(s: StatsReport): Exclude<Quality, 'lost'> {
  const marks = [upper(s.rttMs, THRESHOLDS.rttMs), upper(s.lossPct, THRESHOLDS.lossPct), s.fps === null || s.fps === 0 ? 'good' : lower(s.fps, THRESHOLDS.fps)] as const;
  return marks.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'good' as Exclude<Quality, 'lost'>);
}

/** A publishing member whose sound or picture went off although nothing (own switch, chair's order) says it should. */
export function dropped(s: StatsReport, expected: { audio: boolean; video: boolean }): boolean {
  return (expected.audio && !s.audioOut) || (expected.video && !s.videoOut);
}

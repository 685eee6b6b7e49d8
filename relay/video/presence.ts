/**
 * Who is in the video room (VID-3, AV-2), from the relay's own sockets rather than Janus' publisher list:
 * per person connected, sound and picture (own switches and the chair's orders), speaking (Janus talking
 * events), quality from the device's getStats() reports (core/quality.ts), `lost` when a publishing member's
 * sound or picture stopped unbidden or their reports stopped.
 */
import { dropped, quality, REPORT_TIMEOUT_MS } from '../../core/quality.js';
import type { RoomState } from '../../core/state.js';
import type { PresenceEntry, Quality, StatsReport } from '../../core/video-wire.js';

/** What presence needs to know of one device socket. */
export interface PresenceSource {
  person: string;
  isRoom: boolean;
  mids: { audio?: string; video?: string };
  self: { audio: boolean; video: boolean };
  speaking: boolean;
  stats: { report: StatsReport; at: number } | null;
  since: number;
}

const WORSE: Record<Quality, number> = { good: 0, fair: 1, poor: 2, lost: 3 };

function entryOf(c: PresenceSource, room: RoomState, now: number): PresenceEntry {
  const muted = room.muted[c.person] ?? {};
  const audio = !!c.mids.audio && c.self.audio && !muted.audio;
  const video = !!c.mids.video && c.self.video && !muted.video;
  const publishing = !!(c.mids.audio || c.mids.video);
  let q: Quality | null = null;
  if (c.stats && now - c.stats.at <= REPORT_TIMEOUT_MS) q = publishing && dropped(c.stats.report, { audio, video }) ? 'lost' : quality(c.stats.report);
  else if (publishing && now - (c.stats?.at ?? c.since) > REPORT_TIMEOUT_MS) q = 'lost';
  return { person: c.person, connected: true, audio, video, speaking: audio && c.speaking, quality: q, ...(c.isRoom ? { room: true as const } : {}) };
}

/** One entry per person: several devices of one person merge (on if any is on, the worse quality). */
export function presenceOf(sources: Iterable<PresenceSource>, room: RoomState, now = Date.now()): PresenceEntry[] {
  const by = new Map<string, PresenceEntry>();
  for (const c of sources) {
    const e = entryOf(c, room, now);
    const had = by.get(c.person);
    if (!had) {
      by.set(c.person, e);
      continue;
    }
    had.audio ||= e.audio;
    had.video ||= e.video;
    had.speaking ||= e.speaking;
    if (e.quality && (!had.quality || WORSE[e.quality] > WORSE[had.quality])) had.quality = e.quality;
  }
  return [...by.values()].sort((a, b) => (a.person < b.person ? -1 : a.person > b.person ? 1 : 0));
}

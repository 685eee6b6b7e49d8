/** Quality marks (core/quality.ts) and the relay's presence (relay/video/presence.ts), without Janus. */
import { describe, expect, it } from 'vitest';
import { quality, REPORT_TIMEOUT_MS, THRESHOLDS } from '../../core/quality.js';
import type { StatsReport } from '../../core/video-wire.js';
import { emptyRoom } from '../../core/rules/room.js';
import { presenceOf, type PresenceSource } from '../../relay/video/presence.js';

const ok: StatsReport = { rttMs: 50, lossPct: 0, upKbps: 600, downKbps: 900, fps: 15, audioOut: true, videoOut: true };
const source = (o: Partial<PresenceSource> = {}): PresenceSource => ({
  person: 'm02',
  isRoom: false,
  mids: { audio: '0', video: '1' },
  self: { audio: true, video: true },
  speaking: false,
  stats: { report: ok, at: 1000 },
  since: 0,
  ...o,
});

describe('connection quality', () => {
  it('AV-2 the worst of round trip, loss and frame rate decides the mark', () => {
    expect(quality(ok)).toBe('good');
    expect(quality({ ...ok, rttMs: THRESHOLDS.rttMs.good + 1 })).toBe('fair');
    expect(quality({ ...ok, lossPct: THRESHOLDS.lossPct.fair + 0.5 })).toBe('poor');
    expect(quality({ ...ok, fps: THRESHOLDS.fps.fair - 1 })).toBe('poor');
    expect(quality({ ...ok, rttMs: null, lossPct: null, fps: null })).toBe('good'); // nothing measured yet is no alarm
    expect(quality({ ...ok, rttMs: THRESHOLDS.rttMs.fair + 1, lossPct: THRESHOLDS.lossPct.good + 1 })).toBe('poor');
  });

  it('AV-2 a publishing member whose sound stops unbidden, or who stops reporting, is lost; an own switch or an order is not', () => {
    const room = emptyRoom();
    expect(presenceOf([source()], room, 2000)[0]).toMatchObject({ connected: true, audio: true, video: true, quality: 'good' });
    expect(presenceOf([source({ stats: { report: { ...ok, audioOut: false }, at: 1000 } })], room, 2000)[0]!.quality).toBe('lost');
    expect(presenceOf([source({ self: { audio: false, video: true }, stats: { report: { ...ok, audioOut: false }, at: 1000 } })], room, 2000)[0]).toMatchObject({ audio: false, quality: 'good' });
    room.muted.m02 = { audio: true };
    expect(presenceOf([source({ stats: { report: { ...ok, audioOut: false }, at: 1000 } })], room, 2000)[0]).toMatchObject({ audio: false, quality: 'good' });
    expect(presenceOf([source()], room, 1000 + REPORT_TIMEOUT_MS + 1)[0]!.quality).toBe('lost');
    // Not publishing (watching only): no reports are no drop.
    expect(presenceOf([source({ mids: {}, stats: null })], emptyRoom(), REPORT_TIMEOUT_MS * 3)[0]).toMatchObject({ audio: false, video: false, quality: null });
  });

  it('VID-3 two devices of one person show as one entry: on if either is, the worse quality', () => {
    const list = presenceOf([source({ mids: {}, stats: null }), source({ stats: { report: { ...ok, rttMs: 700 }, at: 1000 } }), source({ person: 'saal', isRoom: true })], emptyRoom(), 2000);
    expect(list).toEqual([
      { person: 'm02', connected: true, audio: true, video: true, speaking: false, quality: 'poor' },
      { person: 'saal', connected: true, audio: true, video: true, speaking: false, quality: 'good', room: true },
    ]);
  });
});

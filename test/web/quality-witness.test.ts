/** AV-2, DIS-2: the rule by which the chair's device signs members' quality marks (web/views/disruption/quality-witness.ts). */
import { describe, expect, it, vi } from 'vitest';
import type { PresenceEntry, Quality } from '../../core/video-wire.js';
import { HOLD_MS, QualityWitness, watchQuality } from '../../web/views/disruption/quality-witness.js';

const entry = (person: string, quality: Quality | null, extra: Partial<PresenceEntry> = {}): PresenceEntry => ({ person, connected: true, audio: true, video: true, speaking: false, quality, ...extra });
const known = (p: string) => p !== 'stranger';

describe('the quality witness', () => {
  it('DIS-2 AV-2 a drop seen in a single presence update is signed once it has held, with no further update (the relay sends presence only on change)', () => {
    const w = new QualityWitness();
    const logged = new Map<string, Quality>([['m02', 'good']]);
    w.see([entry('m02', 'good')], 0);
    expect(w.due(0, (p) => logged.get(p), known)).toEqual([]); // as logged
    w.see([entry('m02', 'lost')], 1000);
    expect(w.due(1000 + HOLD_MS - 1, (p) => logged.get(p), known)).toEqual([]);
    expect(w.nextDue(1000)).toBe(HOLD_MS);
    expect(w.due(1000 + HOLD_MS, (p) => logged.get(p), known)).toEqual([{ person: 'm02', quality: 'lost' }]);
    // Once: the entry is on its way, the fold may not show it yet.
    expect(w.due(1000 + 2 * HOLD_MS, (p) => logged.get(p), known)).toEqual([]);
    expect(w.nextDue(1000 + HOLD_MS)).toBeUndefined();
  });

  it('DIS-2 AV-2 a flicker (lost, then good again within the hold) signs nothing; the room device, members without a mark and unknown persons are never signed', () => {
    const w = new QualityWitness();
    const logged = (p: string): Quality | undefined => (p === 'm03' ? 'good' : undefined);
    w.see([entry('m03', 'good')], 0);
    w.see([entry('m03', 'lost')], 100);
    w.see([entry('m03', 'good')], 100 + HOLD_MS - 1);
    expect(w.due(100 + 5 * HOLD_MS, logged, known)).toEqual([]);
    w.see([entry('saal', 'lost', { room: true }), entry('m04', null), entry('stranger', 'lost')], 0);
    expect(w.due(10 * HOLD_MS, logged, known)).toEqual([]);
  });

  it('DIS-2 AV-2 the restoration after a signed drop is signed too; a member who left the presence is forgotten', () => {
    const w = new QualityWitness();
    w.see([entry('m05', 'lost')], 0);
    expect(w.due(HOLD_MS, () => 'good', known)).toEqual([{ person: 'm05', quality: 'lost' }]);
    w.see([entry('m05', 'good')], HOLD_MS + 10);
    expect(w.due(2 * HOLD_MS + 10, () => 'lost', known)).toEqual([{ person: 'm05', quality: 'good' }]);
    w.see([entry('m05', 'poor')], 3 * HOLD_MS);
    w.see([], 3 * HOLD_MS + 1);
    expect(w.due(10 * HOLD_MS, () => 'good', known)).toEqual([]);
  });

  it('DIS-2 AV-2 on a live stream the timer signs a drop that no further presence update follows, and nothing while the device may not sign', () => {
    vi.useFakeTimers();
    try {
      const signed: { person: string; quality: Quality }[] = [];
      let may = true;
      const watch = watchQuality({ may: () => may, logged: () => 'good', known, sign: (r) => signed.push(r) });
      watch.see([entry('m02', 'lost')]);
      vi.advanceTimersByTime(HOLD_MS - 1);
      expect(signed).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(signed).toEqual([{ person: 'm02', quality: 'lost' }]);
      may = false;
      watch.see([entry('m02', 'poor')]);
      vi.advanceTimersByTime(10 * HOLD_MS);
      expect(signed).toHaveLength(1);
      watch.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

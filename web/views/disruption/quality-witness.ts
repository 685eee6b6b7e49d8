/**
 * AV-2, DIS-2: which members' marks the chair's device signs as `quality.report`, from the relay's presence
 * updates and the device's clock. A mark is signed once it has held for HOLD_MS, so a flicker signs nothing.
 * Held by time, not by a count of updates: the relay sends presence only when it changes, so after a drop in a
 * quiet meeting no second update may come for a long while.
 */
import type { PresenceEntry, Quality } from '../../../core/video-wire.js';

export const HOLD_MS = 3000;

export class QualityWitness {
  private readonly marks = new Map<string, { quality: Quality; since: number }>();
  private readonly signed = new Map<string, Quality>();

  /** A presence update at `now`: each member's mark and since when it holds (members no longer listed are forgotten). */
  see(list: readonly PresenceEntry[], now: number): void {
    const listed = new Set<string>();
    for (const p of list) {
      if (p.room || !p.quality) continue;
      listed.add(p.person);
      if (this.marks.get(p.person)?.quality !== p.quality) this.marks.set(p.person, { quality: p.quality, since: now });
    }
    for (const person of [...this.marks.keys()]) if (!listed.has(person)) this.marks.delete(person);
  }

  /** Marks that have held for HOLD_MS and differ from the last one signed or logged (`logged`), of members `known`: each returned once. */
  due(now: number, logged: (person: string) => Quality | undefined, known: (person: string) => boolean): { person: string; quality: Quality }[] {
    const out: { person: string; quality: Quality }[] = [];
    for (const [person, m] of this.marks) {
      if (now - m.since < HOLD_MS || !known(person) || (this.signed.get(person) ?? logged(person)) === m.quality) continue;
      this.signed.set(person, m.quality);
      out.push({ person, quality: m.quality });
    }
    return out;
  }

  /** In how many ms the next mark has held long enough, if one is still waiting. */
  nextDue(now: number): number | undefined {
    const waits = [...this.marks.values()].map((m) => m.since + HOLD_MS - now).filter((ms) => ms > 0);
    return waits.length > 0 ? Math.min(...waits) : undefined;
  }
}

/** What the witness needs of the chair's device. */
export interface WitnessHost {
  /** Whether this device signs now (the chair's, while the session is open). */
  may(): boolean;
  /** The member's mark as the fold has it. */
  logged(person: string): Quality | undefined;
  /** Whether the person is one of the meeting's. */
  known(person: string): boolean;
  sign(report: { person: string; quality: Quality }): void;
}

/** The witness on a live presence stream: `see` each update; a mark is signed once it has held, by a timer if no update comes. */
export function watchQuality(host: WitnessHost): { see(list: readonly PresenceEntry[]): void; stop(): void } {
  const witness = new QualityWitness();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    clearTimeout(timer);
    if (!host.may()) return;
    const now = Date.now();
    for (const report of witness.due(now, (p) => host.logged(p), (p) => host.known(p))) host.sign(report);
    const next = witness.nextDue(now);
    if (next !== undefined) timer = setTimeout(check, next);
  };
  return {
    see(list) {
      witness.see(list, Date.now());
      check();
    },
    stop: () => clearTimeout(timer),
  };
}

/**
 * AV-2, DIS-2: the chair's device turns the relay's quality marks (video presence, core/quality.ts) into signed
 * `quality.report` entries, one per change of a member's mark, so that drops and restorations are in the log
 * where the fold judges them (impaired votes, irrelevance), not in anyone's memory. A mark must hold for
 * HOLD_MS before it is signed (./quality-witness.ts), so a single flicker signs nothing.
 */
import { createEffect, on, onCleanup, untrack } from 'solid-js';
import { grants } from '../../../core/fold.js';
import { CHAIR } from '../../../core/rules/roles.js';
import type { PresenceEntry } from '../../../core/video-wire.js';
import type { Session } from '../../session.js';
import { QualityWitness } from './quality-witness.js';

export function witnessQuality(s: Session, presence: () => PresenceEntry[]): void {
  const witness = new QualityWitness();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    clearTimeout(timer);
    const me = s.me();
    const st = s.state();
    if (!me || !s.replica.deviceKey || !grants(me, CHAIR, st.body?.id) || st.session !== 'open') return;
    const now = Date.now();
    const due = witness.due(now, (p) => st.disruption.quality[p]?.quality, (p) => st.persons.some((x) => x.id === p));
    for (const report of due) void s.act('quality.report', report);
    const next = witness.nextDue(now);
    if (next !== undefined) timer = setTimeout(check, next);
  };
  createEffect(
    on(presence, (list) =>
      untrack(() => {
        witness.see(list, Date.now());
        check();
      }),
    ),
  );
  onCleanup(() => clearTimeout(timer));
}

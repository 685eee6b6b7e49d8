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
import { watchQuality } from './quality-witness.js';

export function witnessQuality(s: Session, presence: () => PresenceEntry[]): void {
  const watch = watchQuality({
    may: () => {
      const me = s.me();
      const st = s.state();
      return !!me && !!s.replica.deviceKey && grants(me, CHAIR, st.body?.id) && st.session === 'open';
    },
    logged: (p) => s.state().disruption.quality[p]?.quality,
    known: (p) => s.state().persons.some((x) => x.id === p),
    sign: (report) => void s.act('quality.report', report),
  });
  createEffect(on(presence, (list) => untrack(() => watch.see(list))));
  onCleanup(watch.stop);
}

/**
 * AV-2, DIS-2: the chair's device turns the relay's quality marks (video presence, core/quality.ts) into signed
 * `quality.report` entries, one per change of a member's mark, so that drops and restorations are in the log
 * where the fold judges them (impaired votes, irrelevance), not in anyone's memory. A mark must hold for two
 * presence updates in a row before it is signed, so a single flicker signs nothing.
 */
import { createEffect, on, untrack } from 'solid-js';
import { grants } from '../../../core/fold.js';
import { CHAIR } from '../../../core/rules/roles.js';
import type { PresenceEntry } from '../../../core/video-wire.js';
import type { Session } from '../../session.js';

export function witnessQuality(s: Session, presence: () => PresenceEntry[]): void {
  const seen = new Map<string, string>(); // person -> mark of the previous presence update
  const signed = new Map<string, string>();
  createEffect(on(presence, (list) => untrack(() => {
    const me = s.me();
    const st = s.state();
    if (!me || !s.replica.deviceKey || !grants(me, CHAIR, st.body?.id) || st.session !== 'open') return;
    for (const p of list) {
      if (p.room || !p.quality || !st.persons.some((x) => x.id === p.person)) continue;
      const before = seen.get(p.person);
      seen.set(p.person, p.quality);
      const logged = signed.get(p.person) ?? st.disruption.quality[p.person]?.quality;
      if (before !== p.quality || logged === p.quality) continue;
      signed.set(p.person, p.quality);
      void s.act('quality.report', { person: p.person, quality: p.quality });
    }
  })));
}

/** Recording of the session (DS-3): what the Hauptsatzung allows, and each recording's period and who started it. */
import { nameOf, type SectionSpec } from './section.js';
import { period } from './time.js';

export const recordings: SectionSpec = {
  id: 'recordings',
  title: (L) => L.recordings.title,
  kinds: ['legal.recording', 'recording.start', 'recording.stop'],
  from(s, log, { L, lang }) {
    const r = s.room.recording;
    if (log.applied(...recordings.kinds).length === 0) return null;
    const R = L.recordings;
    const day = s.meeting?.start ?? null;
    return {
      blocks: [
        { type: 'fields', rows: [[R.allowed, r.allowed ? R.allowedYes : R.allowedNo], [R.storage, r.storage ?? L.none], [R.retention, r.retentionDays === null ? L.none : R.days(r.retentionDays)]] },
        ...(s.room.recordings.length > 0 ? [{ type: 'table' as const, head: [R.period, R.by], rows: s.room.recordings.map((x) => [period(x.from, x.to, day, lang), nameOf(s, x.by)]) }] : []),
      ],
      facts: { allowed: r.allowed, storage: r.storage, retentionDays: r.retentionDays, recordings: s.room.recordings.map((x) => ({ ...x })) },
    };
  },
};

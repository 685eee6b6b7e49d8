/** The chair's orders in the video room: mute and picture orders, removals and readmissions, the room's lock. */
import type { Labels } from './labels.js';
import type { LogEntry } from './log.js';
import { nameOf, type SectionSpec } from './section.js';
import { at } from './time.js';

function orderText(L: Labels, x: LogEntry): string {
  const p = x.payload ?? {};
  const O = L.orders;
  switch (x.kind) {
    case 'media.order':
      return p.media === 'audio' ? (p.on ? O.unmute : O.mute) : p.on ? O.startVideo : O.stopVideo;
    case 'participant.remove':
      return (p.scope === 'item' ? O.removeItem : O.removeSession) + (typeof p.reason === 'string' ? ` (${O.reason(p.reason)})` : '');
    case 'participant.readmit':
      return O.readmit;
    default:
      return p.locked ? O.lock : O.unlock;
  }
}

export const orders: SectionSpec = {
  id: 'orders',
  title: (L) => L.orders.title,
  kinds: ['media.order', 'participant.remove', 'participant.readmit', 'room.lock'],
  from(s, log, { L, lang }) {
    const list = log.applied(...orders.kinds);
    if (list.length === 0) return null;
    const day = s.meeting?.start ?? null;
    const person = (x: LogEntry) => (typeof x.payload?.person === 'string' ? x.payload.person : null);
    return {
      blocks: [{ type: 'table', head: [L.orders.time, L.orders.order, L.orders.person, L.orders.by], rows: list.map((x) => [at(x.e.hlc.wall, day, lang), orderText(L, x), nameOf(s, person(x)), nameOf(s, x.person)]) }],
      facts: { orders: list.map((x) => ({ kind: x.kind, at: x.e.hlc.wall, entry: x.e.id, by: x.person, payload: x.payload as never })) },
    };
  },
};

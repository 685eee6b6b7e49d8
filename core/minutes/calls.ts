/**
 * The agenda as held, from the applied `item.current` entries: which item was called when, and the periods
 * the public was excluded. For a non-public item the chair writes the bare marker `{item: null, nonPublic:
 * true}` to the public document and the item to the members' (either first); a record of the public document
 * alone knows only the marker, so such a call names no item (null).
 */
import type { SessionState } from '../state.js';
import type { MinutesLog } from './log.js';

export interface Call {
  item: string | null; // null: a non-public item the record does not name
  from: number;
  to: number | null;
  entry: string;
}

export interface Held {
  calls: Call[];
  /** The public was excluded (a non-public part ran) from..to. */
  nonPublic: { from: number; to: number | null; entry: string }[];
}

export function held(state: SessionState, log: MinutesLog): Held {
  const isPublic = new Map(state.agenda.map((i) => [i.id, i.public]));
  const nonPublicItem = (id: string | null) => id === null || isPublic.get(id) !== true;
  const calls: Call[] = [];
  const nonPublic: Held['nonPublic'] = [];
  const end = (at: number) => {
    const last = calls.at(-1);
    if (last && last.to === null) last.to = at;
  };
  const publicPart = (at: number, excluded: boolean, entry: string) => {
    const last = nonPublic.at(-1);
    const running = last !== undefined && last.to === null;
    if (excluded && !running) nonPublic.push({ from: at, to: null, entry });
    if (!excluded && running) last.to = at;
  };
  for (const x of log.applied('item.current', 'session.close')) {
    const at = x.e.hlc.wall;
    if (x.kind === 'session.close') {
      end(at);
      publicPart(at, false, x.e.id);
      continue;
    }
    const item = typeof x.payload?.item === 'string' ? x.payload.item : null;
    const marker = x.payload?.nonPublic === true;
    const open = calls.at(-1)?.to === null ? calls.at(-1)! : undefined;
    // The public document's view decides the exclusion: the marker, or (earlier records) an id it does not know.
    if (x.doc === 'public') publicPart(at, marker || (item !== null && nonPublicItem(item)), x.e.id);
    if (item !== null) {
      if (open?.item === item) continue;
      if (open && open.item === null && nonPublicItem(item)) open.item = item; // the marker came first
      else {
        end(at);
        calls.push({ item, from: at, to: null, entry: x.e.id });
      }
    } else if (marker) {
      if (open && nonPublicItem(open.item)) continue; // the members' entry came first
      end(at);
      calls.push({ item: null, from: at, to: null, entry: x.e.id });
    } else end(at);
  }
  return { calls, nonPublic };
}

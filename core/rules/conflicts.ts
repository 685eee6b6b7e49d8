/**
 * Conflicts of interest (GO NRW §§ 31, 43; DigiSiVO § 6; BEF-1, BEF-2). A member (or the chair's side, or the
 * administration) declares one per item; the chair confirms or rejects it before the item is called, and the
 * call is refused while a declared conflict of the item waits for that decision. While the item is current a
 * confirmed member is excluded: an item removal marked `conflict` (state.room.removed), so the relay cuts them
 * from the SFU room and every receiver drops their media, their ballot is not entitled and their request for
 * the floor is refused; the next item.current ends it. A non-public item's exclusion reaches the public
 * document (and so the relay) only as the persons the public marker names (`item.current.excluded`).
 */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import { type Context, docOf } from '../fold.js';
import type { Conflict, PersonId, SessionState } from '../state.js';
import { agendaItem } from './agenda.js';
import { reject } from './reject.js';

export function conflictDeclare(ctx: Context, e: Envelope, _cert: CertBody, p: Payload<'conflict.declare'>): void {
  if (!ctx.persons.has(p.person)) reject(`conflict.declare: '${p.person}' is not a member of this body`);
  const item = agendaItem(ctx, p.item, docOf(e)) ?? reject(`conflict.declare: no agenda item '${p.item}'`);
  // A conflict on a public item must be public, or the public would count its votes differently.
  if (item.public && docOf(e) === 'members') reject('conflict.declare: a conflict on a public item belongs in the public document');
  const k = `${p.person} ${p.item}`;
  if (ctx.conflicts.has(k)) return;
  ctx.conflicts.add(k);
  ctx.s.conflicts.push({ person: p.person, item: p.item, at: e.hlc.wall, entry: e.id });
}

export function conflictConfirm(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'conflict.confirm'>): void {
  const item = agendaItem(ctx, p.item, docOf(e)) ?? reject(`conflict.confirm: no agenda item '${p.item}'`);
  if (item.public && docOf(e) === 'members') reject('conflict.confirm: a conflict on a public item belongs in the public document');
  const c = conflictOf(ctx.s, p.person, p.item) ?? reject(`conflict.confirm: '${p.person}' declared no conflict of interest for '${p.item}'`);
  if (c.decision) reject(`conflict.confirm: the chair has already decided on the conflict of '${p.person}' for '${p.item}'`);
  c.decision = { confirmed: p.confirmed, by: cert.person, at: e.hlc.wall, entry: e.id };
  if (p.confirmed && ctx.s.currentItem === p.item) exclude(ctx, e, p.item, [...running(ctx.s).map((x) => x.person), p.person]);
}

/** A declared conflict that the chair has not rejected: the member takes no part in votes on the item. */
export const hasConflict = (ctx: Context, person: string, item: string | null): boolean => {
  if (item === null || !ctx.conflicts.has(`${person} ${item}`)) return false;
  return conflictOf(ctx.s, person, item)?.decision?.confirmed !== false;
};

const conflictOf = (s: SessionState, person: string, item: string): Conflict | undefined => s.conflicts.find((c) => c.person === person && c.item === item);
const running = (s: SessionState) => s.exclusions.filter((x) => x.to === null);

/**
 * Who must get nothing of the item (helper for key distribution, BEF-1): every person with a declared
 * conflict for it that the chair has not rejected, confirmed or still awaiting the decision.
 */
export function excludedFromItem(s: SessionState, item: string): PersonId[] {
  return s.conflicts.filter((c) => c.item === item && c.decision?.confirmed !== false).map((c) => c.person);
}

/** Persons whose declared conflict for the item still waits for the chair's decision: the call is refused until then. */
export function undecidedConflicts(s: SessionState, item: string): PersonId[] {
  return s.conflicts.filter((c) => c.item === item && !c.decision).map((c) => c.person);
}

/** Persons with a conflict the chair confirmed for the item: excluded while it is current. */
export const confirmedConflicts = (s: SessionState, item: string): PersonId[] => s.conflicts.filter((c) => c.item === item && c.decision?.confirmed).map((c) => c.person);

/** The exclusion in force for a person, if any (views: "ausgeschlossen (Befangenheit) seit …"). */
export const exclusionOf = (s: SessionState, person: string | undefined) => (person === undefined ? undefined : running(s).find((x) => x.person === person));

/** Before item.current changes anything: the reason it is refused, if any. */
export function callRefusal(ctx: Context, p: Payload<'item.current'>): void {
  if ((p.no !== undefined || p.excluded !== undefined) && !p.nonPublic) reject('item.current: number and exclusions go with the non-public marker only');
  for (const x of p.excluded ?? []) if (!ctx.persons.has(x)) reject(`item.current: '${x}' is not a member of this body`);
  if (p.item === null) return;
  const open = undecidedConflicts(ctx.s, p.item);
  if (open.length > 0) reject(`item.current: the chair has not yet confirmed or rejected the conflict of interest of ${open.map((x) => `'${x}'`).join(', ')} for '${p.item}'`);
}

/** After item.current: the exclusions of the item now current (those of the item before end; a marker's carry over to its item). */
export function itemExclusions(ctx: Context, e: Envelope, p: Payload<'item.current'>): void {
  const persons = p.item !== null ? confirmedConflicts(ctx.s, p.item) : (p.excluded ?? []);
  exclude(ctx, e, p.item, persons);
}

function exclude(ctx: Context, e: Envelope, item: string | null, persons: readonly PersonId[]): void {
  const s = ctx.s;
  const want = new Set(persons);
  for (const x of running(s)) {
    if (want.has(x.person) && (x.item === item || x.item === null)) x.item = item;
    else x.to = e.hlc.wall;
  }
  for (const person of want) if (!running(s).some((x) => x.person === person)) s.exclusions.push({ person, item, from: e.hlc.wall, to: null, entry: e.id });
  const r = s.room;
  for (const [who, x] of Object.entries(r.removed)) if (x.conflict) delete r.removed[who];
  for (const x of running(s)) {
    if (r.removed[x.person]) continue; // a chair's removal stands on its own
    r.removed[x.person] = { scope: 'item', item, at: x.from, reason: null, entry: x.entry, conflict: true };
    r.queue = r.queue.filter((q) => q.person !== x.person);
  }
}

/**
 * MIN-2: the minutes draft and its signatures. The draft is Y.Map('minutes') of Y.Text in the members
 * document (keys: core/minutes/draft.ts), written as `y` entries like the agenda; who may write a `y` entry
 * depends on what it touches, which is read from the update itself before Yjs applies it:
 * - Y.Map('minutes') (and anything nested in it): chair, deputy or minute-taker (`minutes`), only in the
 *   members document, and never once the minutes are final;
 * - any other shared type (the agenda): chair, deputy, assistant or admin.
 * An update that refers to content this document does not hold is rejected: Yjs would keep it pending and
 * integrate it later, past this check.
 *
 * `minutes.sign {hash}` records a signature. The fold does not recompute the minutes (that needs the whole
 * folded state, agenda and derived tallies included); it records the hash, and whoever holds the minutes data
 * compares (the page before signing, `ratsraum verify --minutes`). The minutes are final once the chair or
 * deputy and the minute-taker have signed the same hash.
 */
import * as Y from 'yjs';
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import { type Context, docOf } from '../fold.js';
import { DRAFT_MAP } from '../minutes/draft.js';
import { applyY } from './agenda.js';
import { reject } from './reject.js';
import { AGENDA_EDITORS, CHAIR, MINUTES_SIGNERS } from './roles.js';

/** Stands for a shared type the update reaches that could not be named (garbage-collected content). */
const UNNAMED = '\u0000unnamed';

type Ref = { client: number; clock: number };

/**
 * The names of the root shared types an update writes to or deletes from, resolved against `doc` (what the
 * fold applied so far) and the update's own structs. Throws a rejection for a reference to missing content.
 */
export function rootsTouched(doc: Y.Doc | undefined, update: Uint8Array): Set<string> {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return reject('y: not a valid Yjs update');
  }
  const own = new Map<number, Y.Item[]>(); // client -> the update's items, ascending clock
  for (const s of decoded.structs) if (s instanceof Y.Item) own.set(s.id.client, [...(own.get(s.id.client) ?? []), s]);
  const inUpdate = (id: Ref): Y.Item | undefined => {
    const list = own.get(id.client);
    if (!list) return undefined;
    let [lo, hi] = [0, list.length - 1];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const it = list[mid]!;
      if (id.clock < it.id.clock) hi = mid - 1;
      else if (id.clock >= it.id.clock + it.length) lo = mid + 1;
      else return it;
    }
    return undefined;
  };
  const stored = (id: Ref): Y.AbstractStruct | undefined => {
    if (!doc || !doc.store.clients.has(id.client) || Y.getState(doc.store, id.client) <= id.clock) return undefined;
    return Y.getItem(doc.store, Y.createID(id.client, id.clock));
  };
  const rootOfStored = (s: Y.AbstractStruct): string => {
    if (!(s instanceof Y.Item) || !(s.parent instanceof Y.AbstractType)) return UNNAMED;
    let t: Y.AbstractType<unknown> = s.parent;
    while (t._item) {
      if (!(t._item.parent instanceof Y.AbstractType)) return UNNAMED;
      t = t._item.parent;
    }
    for (const [key, value] of doc!.share) if (value === t) return key;
    return UNNAMED;
  };
  const memo = new Map<Y.Item, string>();
  // Iterative: a chain of origins within one update can be as long as the text typed.
  const rootOf = (start: Ref): string => {
    const path: Y.Item[] = [];
    let id: Ref = start;
    let root: string;
    for (;;) {
      const it = inUpdate(id);
      if (!it) {
        const s = stored(id) ?? reject('y: the update refers to content this document does not hold');
        root = rootOfStored(s);
        break;
      }
      const known = memo.get(it);
      if (known !== undefined) {
        root = known;
        break;
      }
      if (path.includes(it)) {
        root = UNNAMED;
        break;
      }
      path.push(it);
      if (typeof it.parent === 'string') {
        root = it.parent;
        break;
      }
      // Without a parent in the encoding, an item shares the parent of its origin (or right origin).
      const next = (it.parent as Ref | null) ?? it.origin ?? it.rightOrigin;
      if (!next) {
        root = UNNAMED;
        break;
      }
      id = next;
    }
    for (const p of path) memo.set(p, root);
    return root;
  };
  const roots = new Set<string>();
  for (const list of own.values()) for (const it of list) roots.add(rootOf(it.id));
  for (const [client, ranges] of decoded.ds.clients)
    for (const { clock, len } of ranges)
      for (let c = clock; c < clock + len; ) {
        const id = { client, clock: c };
        const it = inUpdate(id);
        const s = it ?? stored(id) ?? reject('y: the update deletes content this document does not hold');
        roots.add(it ? rootOf(id) : rootOfStored(s));
        c = s.id.clock + s.length;
      }
  return roots;
}

/** `y`: the update is applied only if its author may write every shared type it touches. */
export function applyDraftOrAgenda(ctx: Context, e: Envelope, cert: CertBody, update: Uint8Array): void {
  const roots = rootsTouched(ctx.docs.get(docOf(e)), update);
  const draft = roots.has(DRAFT_MAP) || roots.has(UNNAMED);
  const other = [...roots].some((r) => r !== DRAFT_MAP);
  if (draft) {
    if (docOf(e) !== 'members') reject('y: the minutes draft belongs in the members document');
    if (!ctx.may(cert, MINUTES_SIGNERS)) reject('role: only the chair, deputy or minute-taker may write the minutes draft');
    if (ctx.s.minutes.final) reject('y: the minutes are signed and final; the draft cannot change');
  }
  if (other && !ctx.may(cert, AGENDA_EDITORS)) reject('role: only chair, deputy, assistant or admin may edit the agenda');
  applyY(ctx, e, cert, update);
}

export function minutesSign(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'minutes.sign'>): void {
  const m = ctx.s.minutes;
  if (ctx.s.session !== 'closed') reject('minutes.sign: the session is not closed yet');
  if (m.final) reject('minutes.sign: the minutes are signed and final already');
  const role = ctx.may(cert, ['chair']) ? 'chair' : ctx.may(cert, CHAIR) ? 'deputy' : 'minutes';
  m.signatures.push({ person: cert.person, role, hash: p.hash, at: e.hlc.wall, entry: e.id });
  const chairSide = (r: string) => r === 'chair' || r === 'deputy';
  if (m.signatures.some((s) => s.hash === p.hash && chairSide(s.role) !== chairSide(role))) m.final = { hash: p.hash, at: e.hlc.wall, entry: e.id };
}

/**
 * The log as it stood when the minutes became final: up to and including the signature that made them final
 * (every entry after it, a rejected late edit included, would change the minutes data and so their hash).
 * `ordered` is the log in fold order; without final minutes, all of it.
 */
export function signedLog<E extends { id: string }>(ordered: readonly E[], final: { entry: string } | null): readonly E[] {
  const at = final ? ordered.findIndex((e) => e.id === final.entry) : -1;
  return at < 0 ? ordered : ordered.slice(0, at + 1);
}

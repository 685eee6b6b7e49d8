/** The agenda: Yjs documents of items (one per document), the current item, and the merged view a member sees. */
import * as Y from 'yjs';
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import { type Context, type Doc, docOf } from '../fold.js';
import type { AgendaItem } from '../state.js';
import { reject } from './reject.js';
import { confidentialityGate } from './confidentiality.js';
import { callRefusal, itemExclusions } from './conflicts.js';
import { itemChanged } from './room.js';

/** "2" < "10", "2" < "2.1" < "3": agenda numbers compared part by part. */
export function compareItemNo(a: string, b: string): number {
  const pa = a.split(/[.\s]/);
  const pb = b.split(/[.\s]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = x.localeCompare(y, 'de', { numeric: true });
    if (c !== 0) return c;
  }
  return 0;
}

/** Agenda items of one Yjs document, in array order, first occurrence of an id wins. */
function itemsOf(doc: Y.Doc | undefined, isPublic: boolean): AgendaItem[] {
  const items: AgendaItem[] = [];
  const seen = new Set<string>();
  if (!doc) return items;
  for (const m of doc.getArray<Y.Map<unknown>>('agenda').toArray()) {
    if (!(m instanceof Y.Map)) continue;
    const [id, no, title] = [m.get('id'), m.get('no'), m.get('title')];
    if (typeof id !== 'string' || typeof no !== 'string' || typeof title !== 'string' || seen.has(id)) continue;
    seen.add(id);
    // Whatever the map says, an item is public exactly when it lives in the public document.
    items.push({ id, no, title, public: isPublic, ...(m.get('questionTime') === true ? { questionTime: true as const } : {}) });
  }
  return items;
}

/** Both documents' items sorted by number; on an id in both, the public item wins (as the public sees it). */
export function agenda(ctx: Context): AgendaItem[] {
  const items = agendaOf(ctx, 'public').slice();
  const ids = new Set(items.map((i) => i.id));
  for (const i of itemsOf(ctx.docs.get('members'), false)) if (!ids.has(i.id)) items.push(i);
  return items.sort((a, b) => compareItemNo(a.no, b.no) || (a.id < b.id ? -1 : 1));
}

/** The agenda of one document; for the members document, the whole agenda a member sees. */
function agendaOf(ctx: Context, doc: Doc): AgendaItem[] {
  return (ctx.agendaCache[doc] ??= doc === 'public' ? itemsOf(ctx.docs.get('public'), true) : agenda(ctx));
}

export function agendaItem(ctx: Context, id: string, doc: Doc): AgendaItem | undefined {
  return agendaOf(ctx, doc).find((i) => i.id === id);
}

export function applyY(ctx: Context, e: Envelope, _cert: CertBody, update: Uint8Array): void {
  const name = docOf(e);
  let doc = ctx.docs.get(name);
  if (!doc) ctx.docs.set(name, (doc = new Y.Doc()));
  try {
    Y.applyUpdate(doc, update);
  } catch {
    reject('y: not a valid Yjs update');
  } finally {
    ctx.agendaCache = { public: null, members: null }; // the members' view includes the public items
  }
}

export function itemCurrent(ctx: Context, e: Envelope, _cert: CertBody, p: Payload<'item.current'>): void {
  const item = p.item;
  if (p.nonPublic && (item !== null || docOf(e) !== 'public')) reject('item.current: the non-public marker stands alone, in the public document');
  const known = item === null ? undefined : agendaItem(ctx, item, docOf(e));
  if (item !== null && docOf(e) === 'members' && !known) reject(`item.current: no agenda item '${item}'`);
  callRefusal(ctx, p);
  // Records of the earlier version name the non-public item's id in the public document: an id unknown there.
  const nonPublicPart = p.nonPublic === true || (item !== null && !known?.public);
  confidentialityGate(ctx, nonPublicPart);
  if (ctx.s.currentItem !== item || p.nonPublic) itemChanged(ctx);
  ctx.s.currentItem = item;
  ctx.s.nonPublicPart = nonPublicPart;
  ctx.s.nonPublicNo = !nonPublicPart ? null : p.nonPublic ? (p.no ?? null) : (known?.no ?? ctx.s.nonPublicNo);
  itemExclusions(ctx, e, p);
}

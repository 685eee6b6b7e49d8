/** Conflicts of interest (GO NRW §§ 31, 43): a member who declares one takes no part in votes on the item. */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import { type Context, docOf } from '../fold.js';
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

export const hasConflict = (ctx: Context, person: string, item: string | null): boolean => item !== null && ctx.conflicts.has(`${person} ${item}`);

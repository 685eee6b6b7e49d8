/**
 * Content keys of a sealed meeting (DESIGN.md "Who may receive what"; docs/PROTOCOL.md "Sealed content"). The
 * first wrap of a key id creates the key: the meeting key by the chair, deputy or administration, a non-public
 * item's key by the chair or deputy. Later wraps of it by any device of the body give it to devices enrolled or
 * re-keyed later. BEF-1: a wrap of an item's key for a member with a conflict of interest on that item is
 * rejected on every device. The fold cannot check the wrapped bytes (only the recipient can); the recipient
 * checks that the key it unwraps has the id the wrap names (core/keyring.ts).
 */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import type { Context } from '../fold.js';
import { agendaItem } from './agenda.js';
import { hasConflict } from './conflicts.js';
import { reject } from './reject.js';
import { CHAIR } from './roles.js';

const MEETING_KEY_MAKERS = [...CHAIR, 'admin'] as const;

export function keysWrap(ctx: Context, e: Envelope, cert: CertBody, p: Payload<'keys.wrap'>): void {
  const s = ctx.s.e2e;
  if (!s.sealed) reject('keys.wrap: the meeting is not sealed');
  const to = ctx.certs.judge(p.to, e.meeting, 'members', Number.MAX_SAFE_INTEGER, e.hlc.wall) ?? reject(`keys.wrap: no certificate for device ${p.to}`);
  if (to.revoked) reject('keys.wrap: the recipient device is revoked');
  if (p.item !== null) {
    // Only a public item can be named here: the members' agenda is sealed itself, and a verifier without keys must agree.
    if (agendaItem(ctx, p.item, 'public')) reject('keys.wrap: item keys are for non-public items');
    if (hasConflict(ctx, to.cert.person, p.item)) reject(`keys.wrap: '${to.cert.person}' has a conflict of interest on item '${p.item}'`);
  }
  const known = ctx.contentKeys.get(p.key);
  if (!known) {
    if (!ctx.may(cert, p.item === null ? MEETING_KEY_MAKERS : CHAIR)) reject('keys.wrap: only the chair or deputy (the meeting key: also the administration) may create a key');
    const key = { id: p.key, item: p.item, by: cert.person, at: e.hlc.wall, entry: e.id };
    ctx.contentKeys.set(p.key, key);
    s.keys.push(key);
  } else if (known.item !== p.item) reject('keys.wrap: the key belongs to another scope');
  s.wraps.push({ key: p.key, device: p.to, dh: p.dh, person: to.cert.person, by: cert.person, entry: e.id });
}

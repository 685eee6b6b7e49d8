/**
 * What a device and the directory say about the participants, judged by the fold's body-scoped role check:
 * the role a device acts in (its badge and panels) and, before opening, who lacks digital access (LEG-2).
 */
import type { Cert, CertBody } from '../../crypto/cert.js';
import { byIssue, currentVersion } from '../directory.js';
import { grants } from '../fold.js';
import type { PersonId, SessionState } from '../state.js';
import { CHAIR } from './roles.js';

export type Badge = 'chair' | 'advisory' | 'admin' | 'room' | 'minutes' | 'member' | 'public';

/**
 * The role a device acts in here, by its current certificate: roles other than admin count only for the
 * bodies the certificate names (SEC-4); a revoked device acts in none.
 */
export function badge(s: SessionState, cert: CertBody | undefined): Badge {
  if (!cert || cert.revoked !== undefined) return 'public';
  const body = s.body?.id;
  if (grants(cert, CHAIR, body)) return 'chair';
  if (grants(cert, ['advisory'], body)) return 'advisory';
  if (grants(cert, ['admin'], body)) return 'admin';
  if (grants(cert, ['room'], body)) return 'room'; // HYB-1: the room device shows the video only
  if (grants(cert, ['minutes'], body)) return 'minutes'; // MIN-2: the minute-taker follows and writes the minutes, no vote
  return grants(cert, cert.roles, body) ? 'member' : 'public';
}

/**
 * LEG-2: persons of the body without a device whose current certificate (of `versions`, every version the
 * directory holds) is for this body and not revoked: not enrolled; and enrolled persons with no device
 * connected now (`connected`: the persons the relay reports present).
 */
export function access(s: SessionState, versions: readonly Cert[], connected: readonly PersonId[]): { notEnrolled: PersonId[]; notConnected: PersonId[] } {
  const body = s.body?.id;
  const byDevice = new Map<string, Cert[]>();
  for (const c of versions) byDevice.set(c.body.device, [...(byDevice.get(c.body.device) ?? []), c]);
  const current = [...byDevice.values()].map((list) => currentVersion(list.sort(byIssue))!.body);
  const enrolled = new Set(current.filter((c) => c.revoked === undefined && (body === undefined || c.bodies.includes(body))).map((c) => c.person));
  const online = new Set(connected);
  return {
    notEnrolled: s.persons.filter((p) => !enrolled.has(p.id)).map((p) => p.id),
    notConnected: s.persons.filter((p) => enrolled.has(p.id) && !online.has(p.id)).map((p) => p.id),
  };
}

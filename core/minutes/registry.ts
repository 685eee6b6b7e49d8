/**
 * The sections of the minutes, in the order they are printed. A new entry kind adds its facts in one
 * section here (or in NOT_IN_MINUTES with the reason); test/core/minutes.test.ts fails for a kind that has
 * neither. Disruptions (issue 13: their entry kinds do not exist yet) get their own section module here,
 * after `orders`, once their kinds are in core/kinds.ts.
 */
import { agenda } from './agenda.js';
import { attendance } from './attendance.js';
import { conflicts } from './conflicts.js';
import { exclusions } from './exclusions.js';
import { SIGN_KIND } from './log.js';
import { meeting } from './meeting.js';
import { orders } from './orders.js';
import { recordings } from './recordings.js';
import { remarks } from './remarks.js';
import type { SectionSpec } from './section.js';
import { speakers } from './speakers.js';
import { votes } from './votes.js';

export const SECTIONS: readonly SectionSpec[] = [meeting, agenda, attendance, exclusions, conflicts, votes, speakers, orders, recordings, remarks];

/** Kinds whose facts are no part of the minutes, and why. */
export const NOT_IN_MINUTES: Record<string, string> = {
  'floor.ask': 'the speakers list before the floor is given; the turns are in `speakers`',
  'floor.cancel': 'a request for the floor withdrawn',
  'key.commit': 'key generation of the trustees; the trustees are named with each secret vote',
  'key.shares': 'key generation of the trustees',
  'key.ok': 'key generation of the trustees',
  'key.complaint': 'key generation of the trustees',
  'handbook.ack': 'acknowledgement of the security and privacy texts, not of the session',
  'cert.note': 'a certificate version kept in the log for the record check',
  [SIGN_KIND]: 'the signatures of the minutes themselves (outside the signed data)',
};

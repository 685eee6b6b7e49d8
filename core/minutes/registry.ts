/**
 * The sections of the minutes, in the order they are printed. A new entry kind adds its facts in one
 * section here (or in NOT_IN_MINUTES with the reason); test/core/minutes.test.ts fails for a kind that has
 * neither. Disruptions (DigiSiVO § 10) have their own section after `orders`.
 */
import { agenda } from './agenda.js';
import { attendance } from './attendance.js';
import { confidentiality } from './confidentiality.js';
import { conflicts } from './conflicts.js';
import { disruptions } from './disruptions.js';
import { exclusions } from './exclusions.js';
import { SIGN_KIND } from './log.js';
import { meeting } from './meeting.js';
import { orders } from './orders.js';
import { recordings } from './recordings.js';
import { questions } from './questions.js';
import { remarks } from './remarks.js';
import type { SectionSpec } from './section.js';
import { speakers } from './speakers.js';
import { votes } from './votes.js';

export const SECTIONS: readonly SectionSpec[] = [meeting, agenda, attendance, exclusions, confidentiality, conflicts, votes, speakers, orders, disruptions, recordings, questions, remarks];

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
  'keys.wrap': 'a content key wrapped for a device (end-to-end encryption), no fact of the session',
  [SIGN_KIND]: 'the signatures of the minutes themselves (outside the signed data)',
};

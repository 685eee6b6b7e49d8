/**
 * The minutes as a record of their own (`ratsraum-minutes-record/v1`): the minutes data, its hash, the head of
 * the whole log they were made from (signatures included) and the signatures. The PDF carries it as
 * `minutes.json`; `ratsraum minutes --json` prints it; `ratsraum verify --minutes` recomputes it from the record.
 */
import type { Envelope } from '../../crypto/envelope.js';
import { type Lang, type Minutes, minutesHash, minutesOf } from '../minutes.js';
import type { SessionState } from '../state.js';
import { draftTexts } from './draft.js';
import { recordHead } from './log.js';
import { type MinutesSignature, signaturesOf } from './signatures.js';

export const RECORD_FORMAT = 'ratsraum-minutes-record/v1';

export interface MinutesRecord {
  format: typeof RECORD_FORMAT;
  minutes: Minutes;
  hash: string; // minutesHash(minutes)
  recordHead: string; // recordHead of every envelope of the log, the signatures included
  signatures: MinutesSignature[];
}

/** The certificates of the record: device key (hex) to person and name (core/directory.ts Directory fits). */
export interface CertsOf {
  get(device: string): { person: string; name: string } | undefined;
}

/** The minutes record of a folded log: `log` in fold order (Replica.log.ordered()), the draft texts read from it. */
export function minutesRecord(state: SessionState, log: readonly Envelope[], certs: CertsOf, lang: Lang = 'de'): MinutesRecord {
  const personOf = (d: string) => certs.get(d)?.person;
  const minutes = minutesOf(state, { log, personOf, texts: draftTexts(log, state), lang });
  return { format: RECORD_FORMAT, minutes, hash: minutesHash(minutes), recordHead: recordHead(log), signatures: signaturesOf(log, state, certs) };
}

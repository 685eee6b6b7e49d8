/**
 * The minutes as a record of their own (`ratsraum-minutes-record/v1`): the minutes data, its hash, the head of
 * the whole log they were made from (signatures included) and the signatures. The PDF carries it as
 * `minutes.json`; `ratsraum minutes --json` prints it; `ratsraum verify --minutes` recomputes it from the record.
 * Final minutes are made from the log as it stood when they became final (core/rules/minutes.ts signedLog), as
 * the signers' devices hashed them.
 */
import type { Envelope } from '../../crypto/envelope.js';
import { type CertLookup, fold } from '../fold.js';
import { type Lang, type Minutes, minutesHash, minutesOf } from '../minutes.js';
import { signedLog } from '../rules/minutes.js';
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

/** The certificates of the record: the fold's lookup and device key (hex) to person and name (core/directory.ts Directory fits). */
export interface CertsOf extends CertLookup {
  get(device: string): { person: string; name: string } | undefined;
}

/** The minutes record of a folded log: `log` in fold order (Replica.log.ordered()), `ref` "tenant/meeting". */
export function minutesRecord(state: SessionState, log: readonly Envelope[], certs: CertsOf, lang: Lang = 'de'): MinutesRecord {
  const signed = signedLog(log, state.minutes.final);
  const basis = signed === log ? state : fold(signed, certs, `${log[0]?.tenant}/${log[0]?.meeting}`);
  const personOf = (d: string) => certs.get(d)?.person;
  const minutes = minutesOf(basis, { log: signed, personOf, texts: draftTexts(signed, basis), lang });
  return { format: RECORD_FORMAT, minutes, hash: minutesHash(minutes), recordHead: recordHead(log), signatures: signaturesOf(log, state, certs) };
}

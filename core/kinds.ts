/**
 * The kind registry: every entry kind once, with its payload schema (core/entries.ts), the document it
 * belongs in, who may make it and the rule that applies it (core/rules/*). The fold (core/fold.ts)
 * dispatches through it; docs/PROTOCOL.md's kind table is checked against it (test/core/kinds.test.ts).
 * A kind in `schemas` without an entry here does not compile.
 */
import type { CertBody, Role } from '../crypto/cert.js';
import type { Envelope } from '../crypto/envelope.js';
import { type DomainKind, type Payload, schemas } from './entries.js';
import type { Context } from './fold.js';
import { itemCurrent } from './rules/agenda.js';
import { attendance } from './rules/attendance.js';
import { conflictConfirm, conflictDeclare } from './rules/conflicts.js';
import { confidentialityConfirm, confidentialityMissing, confidentialityRemind } from './rules/confidentiality.js';
import { voteCandidate } from './rules/elections.js';
import { handbookAck } from './rules/handbook.js';
import { legalClause, legalDecision } from './rules/legal.js';
import { lotCommit, lotOpen, lotReveal } from './rules/lot.js';
import { ADMIN, CHAIR, CLERK, CONFLICT_RECORDERS, MINUTES_SIGNERS, NOTARIES, RECORDERS, VOTERS, Y_WRITERS } from './rules/roles.js';
import { floorAsk, floorCancel, floorEnd, floorGive, legalRecording, mediaOrder, participantReadmit, participantRemove, recordingStart, recordingStop, roomLock } from './rules/room.js';
import { certNote } from './rules/certs.js';
import { disruptionFix, disruptionReport, disruptionResolve, disruptionRules, qualityReport } from './rules/disruptions.js';
import { applyDraftOrAgenda, minutesSign } from './rules/minutes.js';
import { keySetup, keyStep, votePartial } from './rules/secret.js';
import { questionMark } from './rules/questions.js';
import { keysWrap } from './rules/keys.js';
import { meetingSetup, sessionClose, sessionOpen } from './rules/session.js';
import { voteBallot, voteCast, voteClose, voteOnsite, voteOpen, votePostal, voteResult } from './rules/votes.js';

export type Kind = 'y' | DomainKind;
export type PayloadOf<K extends Kind> = K extends DomainKind ? Payload<K> : Uint8Array;

/**
 * Who may make an entry. `roles`: the fold rejects the entry with `denied` unless the certificate grants
 * one of them for this body (with `self`, the person the payload names may also make it for themselves).
 * `duty`: no role decides but a place the rule checks: a voter's ballot that is not entitled is listed as
 * such, not rejected (`roles` are the roles a voter needs); trustees, drawers and persons of the body are
 * named by earlier entries.
 */
export type Who =
  | { roles: readonly Role[]; denied: string; self?: true }
  | { duty: 'voter'; roles: readonly Role[] }
  | { duty: 'trustee' | 'drawer' | 'person' };

export interface KindSpec<K extends Kind> {
  schema: K extends DomainKind ? (typeof schemas)[K] : null; // `y` carries a raw Yjs update
  doc: 'public' | 'members' | 'either';
  who: Who;
  apply(ctx: Context, e: Envelope, cert: CertBody, payload: PayloadOf<K>): void;
}

const chair = (denied: string): Who => ({ roles: CHAIR, denied: `role: only the chair or deputy may ${denied}` });

export const kinds = {
  // The agenda (chair, deputy, assistant, admin) and the minutes draft (chair, deputy, minute-taker): core/rules/minutes.ts judges each update by what it touches.
  y: { schema: null, doc: 'either', who: { roles: Y_WRITERS, denied: 'role: only chair, deputy, assistant or admin may edit the agenda' }, apply: applyDraftOrAgenda },
  'meeting.setup': { schema: schemas['meeting.setup'], doc: 'public', who: { roles: ADMIN, denied: 'role: only an admin may set up the meeting' }, apply: meetingSetup },
  'legal.decision': { schema: schemas['legal.decision'], doc: 'public', who: { roles: ADMIN, denied: 'role: only an admin may record a legal basis' }, apply: legalDecision },
  'legal.clause': { schema: schemas['legal.clause'], doc: 'public', who: { roles: ADMIN, denied: 'role: only an admin may record a legal basis' }, apply: legalClause },
  'session.open': { schema: schemas['session.open'], doc: 'public', who: chair('open the session'), apply: sessionOpen },
  'session.close': { schema: schemas['session.close'], doc: 'public', who: chair('close the session'), apply: sessionClose },
  'item.current': { schema: schemas['item.current'], doc: 'either', who: { roles: CLERK, denied: 'role: only chair, deputy or assistant may set the current item' }, apply: itemCurrent },
  'attendance.in': { schema: schemas['attendance.in'], doc: 'public', who: { roles: CLERK, self: true, denied: 'role: only the member or the chair may record attendance' }, apply: attendance },
  'attendance.out': { schema: schemas['attendance.out'], doc: 'public', who: { roles: CLERK, self: true, denied: 'role: only the member or the chair may record attendance' }, apply: attendance },
  'vote.open': { schema: schemas['vote.open'], doc: 'either', who: chair('open a vote'), apply: voteOpen },
  'vote.candidate': { schema: schemas['vote.candidate'], doc: 'either', who: chair('add a candidate'), apply: voteCandidate },
  'vote.cast': { schema: schemas['vote.cast'], doc: 'either', who: { duty: 'voter', roles: VOTERS }, apply: voteCast },
  'vote.ballot': { schema: schemas['vote.ballot'], doc: 'either', who: { duty: 'voter', roles: VOTERS }, apply: voteBallot },
  'vote.close': { schema: schemas['vote.close'], doc: 'either', who: chair('close a vote'), apply: voteClose },
  'vote.partial': { schema: schemas['vote.partial'], doc: 'either', who: { duty: 'trustee' }, apply: votePartial },
  'vote.postal': { schema: schemas['vote.postal'], doc: 'either', who: chair('order a postal ballot'), apply: votePostal },
  'vote.result': { schema: schemas['vote.result'], doc: 'either', who: chair('enter a postal result'), apply: voteResult },
  'lot.open': { schema: schemas['lot.open'], doc: 'either', who: chair('call a lot'), apply: lotOpen },
  'lot.commit': { schema: schemas['lot.commit'], doc: 'either', who: { duty: 'drawer' }, apply: lotCommit },
  'lot.reveal': { schema: schemas['lot.reveal'], doc: 'either', who: { duty: 'drawer' }, apply: lotReveal },
  'key.setup': { schema: schemas['key.setup'], doc: 'public', who: chair('name trustees'), apply: keySetup },
  'key.commit': { schema: schemas['key.commit'], doc: 'public', who: { duty: 'trustee' }, apply: keyStep },
  'key.shares': { schema: schemas['key.shares'], doc: 'public', who: { duty: 'trustee' }, apply: keyStep },
  'key.ok': { schema: schemas['key.ok'], doc: 'public', who: { duty: 'trustee' }, apply: keyStep },
  'key.complaint': { schema: schemas['key.complaint'], doc: 'public', who: { duty: 'trustee' }, apply: keyStep },
  'conflict.declare': { schema: schemas['conflict.declare'], doc: 'either', who: { roles: CONFLICT_RECORDERS, self: true, denied: 'role: only the member, the chair or the administration may record a conflict of interest' }, apply: conflictDeclare },
  'conflict.confirm': { schema: schemas['conflict.confirm'], doc: 'either', who: chair('confirm or reject a conflict of interest'), apply: conflictConfirm },
  'confidentiality.remind': { schema: schemas['confidentiality.remind'], doc: 'public', who: chair('remind of the duty of confidentiality'), apply: confidentialityRemind },
  'confidentiality.confirm': { schema: schemas['confidentiality.confirm'], doc: 'public', who: { roles: [], self: true, denied: 'role: only the member may confirm for themselves' }, apply: confidentialityConfirm },
  'confidentiality.missing': { schema: schemas['confidentiality.missing'], doc: 'public', who: chair('record who did not confirm confidentiality'), apply: confidentialityMissing },
  'cert.note': { schema: schemas['cert.note'], doc: 'public', who: { roles: NOTARIES, denied: 'role: only chair, deputy, assistant or admin may record a certificate' }, apply: certNote },
  'handbook.ack': { schema: schemas['handbook.ack'], doc: 'members', who: { duty: 'person' }, apply: handbookAck },
  'vote.onsite': { schema: schemas['vote.onsite'], doc: 'either', who: chair('record the ballot of a member on site'), apply: voteOnsite },
  'floor.ask': { schema: schemas['floor.ask'], doc: 'public', who: { roles: CLERK, self: true, denied: 'role: only the member or the chair may ask for the floor' }, apply: floorAsk },
  'floor.cancel': { schema: schemas['floor.cancel'], doc: 'public', who: { roles: CLERK, self: true, denied: 'role: only the member or the chair may withdraw a request for the floor' }, apply: floorCancel },
  'floor.give': { schema: schemas['floor.give'], doc: 'public', who: chair('give the floor'), apply: floorGive },
  'floor.end': { schema: schemas['floor.end'], doc: 'public', who: chair('withdraw the floor'), apply: floorEnd },
  'media.order': { schema: schemas['media.order'], doc: 'public', who: chair('mute a participant or stop their picture'), apply: mediaOrder },
  'participant.remove': { schema: schemas['participant.remove'], doc: 'public', who: chair('remove a participant'), apply: participantRemove },
  'participant.readmit': { schema: schemas['participant.readmit'], doc: 'public', who: chair('readmit a participant'), apply: participantReadmit },
  'room.lock': { schema: schemas['room.lock'], doc: 'public', who: chair('lock the room'), apply: roomLock },
  'legal.recording': { schema: schemas['legal.recording'], doc: 'public', who: { roles: ADMIN, denied: 'role: only an admin may record the recording setting' }, apply: legalRecording },
  'recording.start': { schema: schemas['recording.start'], doc: 'public', who: { roles: RECORDERS, denied: 'role: only the chair or a recorder may start a recording' }, apply: recordingStart },
  'recording.stop': { schema: schemas['recording.stop'], doc: 'public', who: { roles: RECORDERS, denied: 'role: only the chair or a recorder may stop a recording' }, apply: recordingStop },
  'disruption.rules': { schema: schemas['disruption.rules'], doc: 'public', who: { roles: ADMIN, denied: 'role: only an admin may record the disruption settings' }, apply: disruptionRules },
  'quality.report': { schema: schemas['quality.report'], doc: 'public', who: { roles: CHAIR, self: true, denied: 'role: only the member or the chair may report connection quality' }, apply: qualityReport },
  'disruption.report': { schema: schemas['disruption.report'], doc: 'public', who: { roles: CLERK, self: true, denied: 'role: only the member or the chair may report a disruption' }, apply: disruptionReport },
  'disruption.fix': { schema: schemas['disruption.fix'], doc: 'public', who: chair('record a fix of a disruption'), apply: disruptionFix },
  'disruption.resolve': { schema: schemas['disruption.resolve'], doc: 'public', who: chair('classify a disruption'), apply: disruptionResolve },
  'minutes.sign': { schema: schemas['minutes.sign'], doc: 'members', who: { roles: MINUTES_SIGNERS, denied: 'role: only the chair, deputy or minute-taker may sign the minutes' }, apply: minutesSign },
  'question.mark': { schema: schemas['question.mark'], doc: 'public', who: chair('record a question of the question time'), apply: questionMark },
  // Any device of the body may pass a key on; who may create one, and for whom not: core/rules/keys.ts.
  'keys.wrap': { schema: schemas['keys.wrap'], doc: 'members', who: { duty: 'person' }, apply: keysWrap },
} satisfies { [K in Kind]: KindSpec<K> };

/** The registry entry of a kind, typed by the kind. */
export const specOf = <K extends Kind>(kind: K): KindSpec<K> => kinds[kind] as unknown as KindSpec<K>;

/**
 * The derived session state: what the fold (core/fold.ts) computes from verified entries and every
 * view renders. Plain JSON, so its canonical hash can be compared across devices (stateHash).
 */
import { canonicalJson } from '../crypto/canonical.js';
import { hashString } from '../crypto/hash.js';
import type { VoteMode } from './entries.js';
import type { Outcome } from './election.js';
import type { Basis, LegalFacts } from './legal.js';
import type { Rule } from './majority.js';

export type PersonId = string;

export interface Person {
  id: PersonId;
  name: string;
  faction: string | null;
  voting: boolean; // false for advisory members
}

export interface AgendaItem {
  id: string;
  no: string; // "1", "2.1", "N3" ...
  title: string;
  public: boolean;
  /** PUB-4: the item is the residents' question time (the agenda's Y.Map says `questionTime: true`). */
  questionTime?: true;
}

/** PUB-4: a resident's question as the chair recorded it (`question.mark`); the latest mark of a question stands. */
export interface QuestionMark {
  question: string;
  no: number;
  text: string;
  answered: boolean;
  at: number;
  entry: string;
}

export interface AttendanceEvent {
  person: PersonId;
  present: boolean;
  place: 'remote' | 'onsite' | null;
  at: number; // hlc wall ms of the entry
  by: PersonId; // who recorded it
  entry: string; // envelope id
}

export interface Attendance {
  present: boolean;
  place: 'remote' | 'onsite' | null;
  since: number | null;
}

/** Persons of one faction (null: no listed faction) in the body's order, and how many of them are present. */
export interface FactionAttendance {
  faction: string | null;
  persons: PersonId[];
  present: number;
}

export interface Quorum {
  statutory: number;
  present: number; // voting members present
  needed: number; // floor(statutory / 2) + 1
  quorate: boolean;
}

export type BallotStatus = 'counted' | 'late' | 'duplicate' | 'not-entitled' | 'invalid' | 'pending';

export interface Ballot {
  person: PersonId;
  choice: string | null; // null for a secret ballot
  entry: string; // envelope id: the voter's receipt
  at: number;
  status: BallotStatus;
  recordedBy?: PersonId; // VOTE-7: the chair recorded it for a member on site without a device
}

export interface Candidate {
  id: string;
  name: string;
}

/** A trustee's partial decryption of a secret tally. */
export interface PartialState {
  trustee: PersonId;
  index: number;
  entry: string;
  valid: boolean;
}

export interface LotState {
  drawers: PersonId[];
  among: string[]; // candidates the lot decides between
  commits: Record<PersonId, string>;
  reveals: Record<PersonId, string>;
  order: string[] | null; // drawn order, once every drawer revealed
  seed: string | null;
}

/**
 * A person's standing in the open vote, derived once per fold (core/rules/derived.ts), in the order the fold
 * judges a ballot: `no-vote` (advisory or no member), `conflicted` (for the vote's item), `voted` (holds the
 * one place already), `absent`, or `entitled`. The fold also requires a voter's role on the device certificate.
 */
export type Entitlement = 'entitled' | 'voted' | 'absent' | 'conflicted' | 'no-vote';

/** VOTE-11: the counted ballots of an open or roll-call decision of one faction (null: no faction, advisory). */
export interface FactionTally {
  faction: string | null;
  yes: number;
  no: number;
  abstain: number;
}

export interface Vote {
  id: string;
  item: string | null;
  title: string;
  mode: VoteMode;
  kind: 'decision' | 'election';
  rule: Rule;
  doc: 'public' | 'members';
  round: number; // 1, or 2 for a run-off
  runoffOf: string | null;
  candidates: Candidate[];
  options: string[]; // what a ballot can mark: yes/no/abstain, or candidate ids, 'no', 'abstain'
  key: string | null; // secret votes: the meeting key
  publicResult: boolean;
  status: 'open' | 'closed';
  openedAt: number;
  closedAt: number | null;
  ballots: Ballot[]; // in fold order
  received: number; // ballots that took a place (live count; for secret votes all anyone sees before the result)
  tally: { yes: number; no: number; abstain: number }; // decisions: counted ballots
  counts: Record<string, number> | null; // per option, once counted (secret: once decrypted; postal: as entered)
  source: 'digital' | 'postal';
  postal: { reason: string; at: number; entry: string } | null;
  aggregate: { a: string[]; b: string[] } | null; // secret: the sum of the counted ballots per option
  partials: PartialState[];
  decryption: 'none' | 'waiting' | 'done' | 'failed';
  result: 'accepted' | 'rejected' | null; // decisions, by `rule`
  outcome: Outcome | null; // elections (GO NRW § 50 Abs. 2)
  lot: LotState | null;
  elected: string | null; // elections: the elected candidate, after any lot
  runoff: string[] | null; // elections: the run-off candidates, after any lot
  // Derived once per fold (core/rules/derived.ts):
  entitlement: Record<PersonId, Entitlement> | null; // open votes: every person of the body
  canAddCandidate: boolean; // VOTE-9: an open election before its first ballot, not a run-off
  byFaction: FactionTally[] | null; // VOTE-11: closed, counted open or roll-call decisions; factions with ballots only
  // DIS-2 (core/rules/disruptions.ts):
  repeats: string | null; // the void vote this one repeats
  void: { by: string; at: number; entry: string } | null; // repeated by vote `by`: stays in the record, decides nothing
  impairments: Impairment[]; // members whose picture or sound dropped, or who objected, while the vote ran
  impaired: boolean; // derived: an impairment by a disruption that is open or was fixed
}

/** DIS-2: a member's drop or report while a vote ran (in fold order). */
export interface Impairment {
  person: PersonId;
  drop: string | null; // entry id of the quality.report that started the drop
  disruption: string | null; // the disruption reported while the vote ran
}

export type QualityMark = 'good' | 'fair' | 'poor' | 'lost';

/** DIS-4: a member's picture or sound dropped (a `quality.report` of `lost`) until a report of another mark. */
export interface Drop {
  entry: string;
  person: PersonId;
  from: number;
  to: number | null;
  restoredBy: string | null; // entry id
  status: 'unreported' | 'reported' | 'irrelevant';
  reason: 'no-report-in-time' | 'participated' | null; // why irrelevant
  disruption: string | null; // the report that named it
  participation: string | null; // the entry by which the member took part after the restoration
}

/** DIS-1: a reported disruption (Rüge), its fix attempts and its classification. */
export interface Disruption {
  id: string;
  person: PersonId;
  media: 'picture' | 'sound' | 'both';
  channel: 'app' | 'phone' | 'email' | 'other'; // DIS-3: `app` when the member's own device signed it
  note: string | null;
  by: PersonId;
  at: number;
  entry: string;
  drop: string | null; // the drop it objects to
  fixes: { note: string; at: number; entry: string; by: PersonId }[];
  status: 'open' | 'fixed' | 'irrelevant' | 'own';
  resolution: { reason: string; at: number; entry: string; by: PersonId } | null;
  presumedOwn: boolean; // derived: the fix failed (still lost or poor after a fix) while every other member is fine
  votes: string[]; // derived: votes it impaired
  repeatedBy: { vote: string; by: string }[]; // derived: the void vote and the vote that repeats it
}

export interface DisruptionState {
  rules: { reportMinutes: number; phone: string | null; email: string | null; entry: string | null };
  interrupted: string | null; // id of the first open disruption: the session is interrupted
  disruptions: Disruption[];
  drops: Drop[];
  quality: Record<PersonId, { quality: QualityMark; at: number; entry: string; by: PersonId }>;
}

export interface KeyState {
  id: string;
  trustees: PersonId[];
  threshold: number;
  devices: Record<PersonId, string>; // the device key (hex) that holds each trustee's secrets
  committed: PersonId[];
  dealt: PersonId[];
  acknowledged: PersonId[];
  status: 'setup' | 'ready' | 'failed';
  joint: string | null; // hex of the joint public key, once ready
  problem: string | null;
}

/** A speaker's turn (VID-2): who held the floor, from when until when (null while it runs). */
export interface Turn {
  person: PersonId;
  from: number;
  to: number | null;
  entry: string;
}

/**
 * Order in the video room (VID-2, DS-3), from the chair's signed entries. The relay carries it out on the
 * SFU and every receiver applies it too: `muted` lists chair's orders in force per person (`audio`: sound
 * muted, `video`: picture stopped), which the person cannot lift themselves.
 */
export interface RoomState {
  floor: PersonId | null;
  floorSince: number | null;
  queue: { person: PersonId; at: number; entry: string }[]; // the speakers list, in order of request
  turns: Turn[];
  muted: Record<PersonId, { audio?: true; video?: true }>;
  /** `conflict`: excluded from the current item for a confirmed conflict of interest (BEF-1), not by an order. */
  removed: Record<PersonId, { scope: 'item' | 'session'; item: string | null; at: number; reason: string | null; entry: string; conflict?: true }>;
  locked: boolean;
  recording: { allowed: boolean; storage: string | null; retentionDays: number | null; running: boolean; since: number | null; by: PersonId | null };
  recordings: { from: number; to: number | null; by: PersonId; entry: string }[];
}

/** MIN-2: a signature of the minutes (`minutes.sign`): who signed which minutesHash, in which role. */
export interface MinutesSignature {
  person: PersonId;
  role: 'chair' | 'deputy' | 'minutes';
  hash: string; // hex minutesHash of the minutes data (core/minutes.ts)
  at: number;
  entry: string;
}

/** MIN-2: the minutes' signatures; `final` once the chair (or deputy) and the minute-taker signed the same hash. */
export interface MinutesState {
  signatures: MinutesSignature[];
  final: { hash: string; at: number; entry: string } | null;
}

/** A content key of a sealed meeting (core/rules/keys.ts): the meeting key (item null) or a non-public item's key. */
export interface ContentKey {
  id: string; // hex key id (core/sealed.ts)
  item: string | null;
  by: PersonId;
  at: number;
  entry: string; // the wrap that created it
}

/** End-to-end encryption of members' content: the keys, to whom each is wrapped, and what this device cannot open. */
export interface E2eState {
  sealed: boolean;
  keys: ContentKey[]; // in fold order; the last of each scope is the current one
  wraps: { key: string; device: string; dh: string; person: string; by: PersonId; entry: string }[];
  /** Sealed entries under a key this device does not hold: listed, never applied. */
  unreadable: { entry: string; kind: string; key: string }[];
}

export interface RejectedEntry {
  entry: string;
  author: string; // device key hex
  kind: string;
  reason: string; // English, for logs; the UI maps known reasons to German
}

/** A declared conflict of interest and, once made, the chair's decision on it (BEF-1). */
export interface Conflict {
  person: PersonId;
  item: string;
  at: number;
  entry: string;
  decision?: { confirmed: boolean; by: PersonId; at: number; entry: string };
}

/** `item` null: a non-public item the public document does not name (the public marker's `excluded`). */
export interface Exclusion {
  person: PersonId;
  item: string | null;
  from: number;
  to: number | null;
  entry: string;
}

/**
 * PUB-6, for the next non-public part (reset when a non-public part ends): the chair's reminder, who
 * confirmed, whom the chair recorded as not confirming, and (derived) the remote members present still to
 * confirm; the part cannot start while `pending` is not empty.
 */
export interface Confidentiality {
  remindedAt: number | null;
  confirmed: { person: PersonId; at: number; entry: string }[];
  missing: { person: PersonId; at: number; entry: string }[];
  pending: PersonId[];
}

export interface SessionState {
  body: { id: string; name: string; type: string; statutoryMembers: number; runoffTie?: 'lot' | 'all' } | null;
  meeting: { id: string; title: string; start: number; place: string; format: 'in-person' | 'hybrid' | 'digital'; legal: Basis } | null;
  legal: LegalFacts; // council decisions and the Hauptsatzung clause the administration recorded
  factions: { id: string; name: string }[];
  persons: Person[];
  agenda: AgendaItem[]; // sorted by no
  session: 'scheduled' | 'open' | 'closed';
  openedAt: number | null;
  closedAt: number | null;
  currentItem: string | null;
  /** A non-public item is current (all the public knows of it). */
  nonPublicPart: boolean;
  /** PUB-5: the bare number of the non-public item, as the public marker gives it (null when it gives none). */
  nonPublicNo: string | null;
  attendance: Record<PersonId, Attendance>;
  attendanceLog: AttendanceEvent[];
  attendanceByFaction: FactionAttendance[]; // every listed faction, then those without one if any (derived)
  quorum: Quorum;
  quorumLog: { at: number; quorate: boolean; present: number }[];
  votes: Vote[];
  keys: KeyState[];
  conflicts: Conflict[];
  /** BEF-1/2: each exclusion of a conflicted member from an item, from its call (or the confirmation) to the next item. */
  exclusions: Exclusion[];
  /** PUB-6: the confidentiality confirmations for the next (or running) non-public part. */
  confidentiality: Confidentiality;
  acknowledgements: { person: PersonId; kind: 'security' | 'privacy'; version: string; at: number; entry: string }[];
  notAcknowledged: PersonId[]; // LEG-2, SEC-2, DS-1: persons without an acknowledgement of both texts (derived)
  room: RoomState;
  minutes: MinutesState;
  disruption: DisruptionState; // DIS-1..4
  /** PUB-4: the questions of the question time the chair recorded, by number. */
  questions: QuestionMark[];
  e2e: E2eState;
  rejected: RejectedEntry[];
  applied: number; // entries folded
}

export const stateHash = (s: SessionState): string => hashString(canonicalJson(s));

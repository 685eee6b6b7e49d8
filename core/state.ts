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
  removed: Record<PersonId, { scope: 'item' | 'session'; item: string | null; at: number; reason: string | null; entry: string }>;
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

export interface RejectedEntry {
  entry: string;
  author: string; // device key hex
  kind: string;
  reason: string; // English, for logs; the UI maps known reasons to German
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
  attendance: Record<PersonId, Attendance>;
  attendanceLog: AttendanceEvent[];
  attendanceByFaction: FactionAttendance[]; // every listed faction, then those without one if any (derived)
  quorum: Quorum;
  quorumLog: { at: number; quorate: boolean; present: number }[];
  votes: Vote[];
  keys: KeyState[];
  conflicts: { person: PersonId; item: string; at: number; entry: string }[];
  acknowledgements: { person: PersonId; kind: 'security' | 'privacy'; version: string; at: number; entry: string }[];
  notAcknowledged: PersonId[]; // LEG-2, SEC-2, DS-1: persons without an acknowledgement of both texts (derived)
  room: RoomState;
  minutes: MinutesState;
  rejected: RejectedEntry[];
  applied: number; // entries folded
}

export const stateHash = (s: SessionState): string => hashString(canonicalJson(s));

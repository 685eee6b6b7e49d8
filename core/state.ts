/**
 * The derived session state: what the fold (core/fold.ts) computes from verified entries and every
 * view renders. Plain JSON, so its canonical hash can be compared across devices (stateHash).
 */
import { canonicalJson } from '../crypto/canonical.js';
import { hashString } from '../crypto/hash.js';
import type { Choice, VoteMode } from './entries.js';
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

export interface Quorum {
  statutory: number;
  present: number; // voting members present
  needed: number; // floor(statutory / 2) + 1
  quorate: boolean;
}

export type BallotStatus = 'counted' | 'late' | 'duplicate' | 'not-entitled' | 'pending';

export interface Ballot {
  person: PersonId;
  choice: Choice;
  entry: string;
  at: number;
  status: BallotStatus;
}

export interface Vote {
  id: string;
  item: string | null;
  title: string;
  mode: VoteMode;
  rule: Rule;
  doc: 'public' | 'members';
  status: 'open' | 'closed';
  openedAt: number;
  closedAt: number | null;
  ballots: Ballot[]; // in fold order
  tally: { yes: number; no: number; abstain: number }; // counted ballots only
  result: 'accepted' | 'rejected' | null; // by `rule`, set at close
}

export interface RejectedEntry {
  entry: string;
  author: string; // device key hex
  kind: string;
  reason: string; // English, for logs; the UI maps known reasons to German
}

export interface SessionState {
  body: { id: string; name: string; type: string; statutoryMembers: number } | null;
  meeting: { id: string; title: string; start: number; place: string } | null;
  factions: { id: string; name: string }[];
  persons: Person[];
  agenda: AgendaItem[]; // sorted by no
  session: 'scheduled' | 'open' | 'closed';
  openedAt: number | null;
  closedAt: number | null;
  currentItem: string | null;
  attendance: Record<PersonId, Attendance>;
  attendanceLog: AttendanceEvent[];
  quorum: Quorum;
  quorumLog: { at: number; quorate: boolean; present: number }[];
  votes: Vote[];
  rejected: RejectedEntry[];
  applied: number; // entries folded
}

export const stateHash = (s: SessionState): string => hashString(canonicalJson(s));

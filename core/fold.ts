/**
 * The one fold from verified entries, in the log's deterministic order, to the session state
 * (DESIGN.md "The signed log"). Every entry kind is declared in the registry (core/kinds.ts) with its
 * document, roles and rule (core/rules/*); this module only dispatches through it. Role rules are
 * checked here: an entry its author may not make is rejected and listed in state.rejected, never applied.
 *
 * The public sees only the public document, so an entry in it is judged by public state alone
 * (public agenda, public votes, and session, setup and attendance, which live only in the public
 * document). A public device and a member's device thus agree on every public entry.
 */
import type * as Y from 'yjs';
import { toHex } from '../crypto/bytes.js';
import type { CertBody, Role } from '../crypto/cert.js';
import type { Envelope } from '../crypto/envelope.js';
import type { DecodedCommit } from '../crypto/threshold.js';
import type { Judge } from './directory.js';
import { decodeEntry, type Payload } from './entries.js';
import { preds } from './log.js';
import { specOf } from './kinds.js';
import { agenda } from './rules/agenda.js';
import { derive } from './rules/derived.js';
import { afterEntry, beforeEntry, emptyDisruption } from './rules/disruptions.js';
import { reject } from './rules/reject.js';
import { emptyRoom } from './rules/room.js';
import type * as secret from './secret.js';
import { keyOf, mustSeal, opened, openedKey } from './sealed.js';
import type { AgendaItem, ContentKey, KeyState, Person, SessionState, Vote } from './state.js';

export { compareItemNo } from './rules/agenda.js';

/** The certificate history (core/directory.ts): which version judges an entry at its place in its chain. */
export interface CertLookup {
  judge(deviceHex: string, meeting: string, doc: string, seq: number, wall: number): Judge | undefined;
  holds(sig: string): boolean;
}

/** The content keys a device holds (core/keyring.ts): the fold opens sealed entries through it. */
export interface Opener {
  has(key: string): boolean;
  open(e: Envelope): Uint8Array | undefined;
}

/** Kinds an admin makes before the setup exists (the legal basis the setup rests on) and the setup itself. */
const BEFORE_SETUP = new Set(['legal.decision', 'legal.clause', 'legal.recording', 'meeting.setup']);

export type Doc = 'public' | 'members';
export const docOf = (e: Envelope): Doc => (e.doc === 'members' ? 'members' : 'public');

export interface VoteIndex {
  vote: Vote;
  voters: Set<string>; // persons whose ballot took their one place (not duplicate, not not-entitled)
  pending: string[]; // entry ids of pending ballots
  secret: Map<string, Payload<'vote.ballot'>>; // entry id -> secret ballot
  partials: { index: number; entry: string; shares: string[] }[]; // valid ones, in fold order
  aggregate: secret.Aggregate | null;
}

export interface KeyIndex {
  key: KeyState;
  dealers: Map<number, DecodedCommit>; // by trustee index
  keys: secret.Keys | null;
}

function emptyState(): SessionState {
  return {
    body: null,
    meeting: null,
    legal: { decisions: [] },
    factions: [],
    persons: [],
    agenda: [],
    session: 'scheduled',
    openedAt: null,
    closedAt: null,
    currentItem: null,
    nonPublicPart: false,
    nonPublicNo: null,
    attendance: {},
    attendanceLog: [],
    attendanceByFaction: [],
    quorum: { statutory: 0, present: 0, needed: 1, quorate: false },
    quorumLog: [],
    votes: [],
    keys: [],
    conflicts: [],
    exclusions: [],
    confidentiality: { remindedAt: null, confirmed: [], missing: [], pending: [] },
    acknowledgements: [],
    notAcknowledged: [],
    room: emptyRoom(),
    minutes: { signatures: [], final: null },
    disruption: emptyDisruption(),
    questions: [],
    e2e: { sealed: false, keys: [], wraps: [], unreadable: [] },
    rejected: [],
    applied: 0,
  };
}

/** The fold's state and the indexes the rules share; the one place that looks up certificates and checks roles. */
export class Context {
  readonly s = emptyState();
  readonly docs = new Map<Doc, Y.Doc>();
  readonly folded = new Map<string, { e: Envelope; at: number }>(); // id -> envelope, fold position
  readonly open: Record<Doc, VoteIndex | null> = { public: null, members: null };
  readonly votes = new Map<string, VoteIndex>(); // doc + ' ' + vote id
  readonly keys = new Map<string, KeyIndex>();
  readonly conflicts = new Set<string>(); // person + ' ' + item
  readonly contentKeys = new Map<string, ContentKey>(); // key id -> the key's creation (core/rules/keys.ts)
  persons = new Map<string, Person>();
  agendaCache: Record<Doc, AgendaItem[] | null> = { public: null, members: null };
  /** Entries whose causal past holds an applied meeting.setup (the setup itself included). */
  private readonly afterSetup = new Set<string>();

  constructor(
    readonly certs: CertLookup,
    readonly meetingRef: string,
    private readonly opener?: Opener,
  ) {}

  apply(e: Envelope): void {
    const at = this.folded.size;
    this.folded.set(e.id, { e, at });
    const author = toHex(e.author);
    try {
      // The version in force at this entry's place in its author's chain; a revocation cuts by position.
      const judged = this.certs.judge(author, e.meeting, e.doc, e.seq, e.hlc.wall) ?? reject('unknown device (no certificate)');
      if (judged.revoked) reject('device revoked');
      const cert = judged.cert;
      this.checkPlace(e, cert);
      if (mustSeal(this.s.e2e.sealed, e.doc, e.kind)) {
        const opened = this.unseal(e);
        if (!opened) return;
        this.folded.set(e.id, { e: (e = opened), at });
      }
      const entry = decodeEntry(e.kind, e.payload);
      const spec = specOf(entry.kind);
      if (spec.doc !== 'either' && docOf(e) !== spec.doc) reject(`${entry.kind}: belongs in the ${spec.doc} document`);
      const who = spec.who;
      if ('denied' in who && !this.may(cert, who.roles)) {
        const self = who.self && (entry.payload as { person?: string }).person === cert.person;
        if (!self) reject(who.denied);
      }
      beforeEntry(this, e, entry.kind);
      spec.apply(this, e, cert, entry.payload);
      afterEntry(this, e, cert, entry.kind, entry.payload);
      if (entry.kind === 'meeting.setup') this.afterSetup.add(e.id);
      this.s.applied++;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.s.rejected.push({ entry: e.id, author, kind: e.kind, reason });
    }
  }

  /**
   * A sealed entry with its plaintext as payload (same id and wire), or null when this device lacks its key:
   * then it is listed as unreadable, neither applied nor rejected. Every device rejects alike an entry that is
   * not sealed or names a key the log did not create before it; holders of the key alike one that does not open.
   */
  private unseal(e: Envelope): Envelope | null {
    const held = openedKey(e);
    const key = held ?? keyOf(e.payload) ?? reject(`${e.kind}: a members' entry of a sealed meeting must be sealed`);
    if (!this.contentKeys.has(key)) reject(`${e.kind}: sealed under key ${key}, which no earlier keys.wrap created`);
    if (held !== undefined) return e;
    if (!this.opener?.has(key)) {
      this.s.e2e.unreadable.push({ entry: e.id, kind: e.kind, key });
      return null;
    }
    return opened(e, this.opener.open(e) ?? reject(`${e.kind}: does not open under its key`), key);
  }

  /**
   * What every entry must satisfy where it stands in the log: a clock later than its predecessors', a public
   * entry with a public past only, nothing but the admin's legal basis and setup before the setup and
   * everything else after it (in its causal past), and an author of this body (admins aside).
   */
  private checkPlace(e: Envelope, cert: CertBody): void {
    let afterSetup = false;
    for (const p of preds(e)) {
      const before = this.folded.get(p)?.e;
      if (!before) continue; // the log orders only entries whose past it holds
      if (before.hlc.wall > e.hlc.wall || (before.hlc.wall === e.hlc.wall && before.hlc.counter >= e.hlc.counter)) reject('clock: earlier than a predecessor');
      if (docOf(e) === 'public' && docOf(before) === 'members') reject('public entry depends on a members entry');
      if (this.afterSetup.has(p)) afterSetup = true;
    }
    if (afterSetup) this.afterSetup.add(e.id);
    const admin = cert.roles.includes('admin');
    if (BEFORE_SETUP.has(e.kind) && admin) return;
    const body = this.s.body ?? reject('before meeting.setup: only the administration may record the legal basis and set up the meeting');
    if (!afterSetup) reject('not after meeting.setup: the entry does not depend on the setup of the meeting');
    if (!admin && !cert.bodies.includes(body.id)) reject(`author: not a member of the body '${body.id}'`);
  }

  /** Whether a certificate version is held (checked against the tenant key). */
  holdsCert(sig: string): boolean {
    return this.certs.holds(sig);
  }

  /**
   * Whether the certificate grants one of `roles`. Roles other than admin are held for the bodies the
   * certificate names (SEC-4: bodies strictly separated): a committee's chair is no chair of the council.
   */
  may(cert: CertBody, roles: readonly Role[]): boolean {
    return grants(cert, roles, this.s.body?.id);
  }

  /** The vote an entry names, looked up in the entry's own document only. */
  vote(e: Envelope, id: string, kind: string): VoteIndex {
    return this.votes.get(`${docOf(e)} ${id}`) ?? reject(`${kind}: no vote '${id}' in the ${docOf(e)} document`);
  }
}

/** Whether `cert` grants one of `roles` in the body `body` (admin everywhere; any body before the setup). */
export function grants(cert: CertBody, roles: readonly Role[], body: string | undefined): boolean {
  return cert.roles.some((r) => roles.includes(r) && (r === 'admin' || body === undefined || cert.bodies.includes(body)));
}

/** `meetingRef` ("tenant/meeting") binds secret-ballot proofs to this meeting. */
export function fold(ordered: readonly Envelope[], certs: CertLookup, meetingRef = '', opener?: Opener): SessionState {
  const ctx = new Context(certs, meetingRef, opener);
  for (const e of ordered) ctx.apply(e);
  return finish(ctx);
}

/**
 * The end of every fold: the merged agenda and the derived state (core/rules/derived.ts). Every field it writes
 * is written whole and no rule reads it, so more entries may be applied to `ctx` afterwards (core/incremental.ts).
 */
export function finish(ctx: Context): SessionState {
  ctx.s.agenda = agenda(ctx).map((i) => ({ ...i }));
  derive(ctx);
  return ctx.s;
}

/**
 * The one fold from verified entries, in the log's deterministic order, to the session state
 * (DESIGN.md "The signed log"). Role rules are checked here: an entry its author may not make is
 * rejected and listed in state.rejected, never applied. Counting follows GO NRW § 50 Abs. 1; quorum
 * follows the rule "more than half of the statutory members present"; whether a ballot counts is
 * decided by causality (in the causal past of the chair's close entry), never by arrival.
 *
 * The public sees only the public document, so an entry in it is judged by public state alone
 * (public agenda, public votes, and session, setup and attendance, which live only in the public
 * document). A public device and a member's device thus agree on every public entry.
 */
import * as Y from 'yjs';
import { toHex } from '../crypto/bytes.js';
import type { CertBody, Role } from '../crypto/cert.js';
import type { Envelope } from '../crypto/envelope.js';
import type { DecodedCommit } from '../crypto/threshold.js';
import { decodeEntry, type DomainEntry, type Payload } from './entries.js';
import { DEFAULT_SETTINGS, firstRound, runoff } from './election.js';
import { type Basis, checkBasis } from './legal.js';
import { checkReveals, draw, seed } from './lot.js';
import { preds } from './log.js';
import { decide } from './majority.js';
import * as secret from './secret.js';
import type { AgendaItem, KeyState, Person, SessionState, Vote } from './state.js';

export interface CertLookup {
  get(deviceHex: string): CertBody | undefined;
}

class Rejection extends Error {}
const reject = (reason: string): never => {
  throw new Rejection(reason);
};

const CHAIR: Role[] = ['chair', 'deputy'];
const CLERK: Role[] = ['chair', 'deputy', 'assistant'];
const AGENDA_EDITORS: Role[] = ['chair', 'deputy', 'assistant', 'admin'];
const VOTERS: Role[] = ['chair', 'deputy', 'member'];
/** Facts everyone, the public included, must see: they live only in the public document. */
const PUBLIC_ONLY = new Set(['meeting.setup', 'session.open', 'session.close', 'attendance.in', 'attendance.out', 'key.setup', 'key.commit', 'key.shares', 'key.ok', 'key.complaint']);
const RESERVED_OPTIONS = new Set(['yes', 'no', 'abstain']);

type Doc = 'public' | 'members';
const docOf = (e: Envelope): Doc => (e.doc === 'members' ? 'members' : 'public');

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
    attendance: {},
    attendanceLog: [],
    quorum: { statutory: 0, present: 0, needed: 1, quorate: false },
    quorumLog: [],
    votes: [],
    keys: [],
    conflicts: [],
    acknowledgements: [],
    rejected: [],
    applied: 0,
  };
}

/** "2" < "10", "2" < "2.1" < "3": agenda numbers compared part by part. */
export function compareItemNo(a: string, b: string): number {
  const pa = a.split(/[.\s]/);
  const pb = b.split(/[.\s]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = x.localeCompare(y, 'de', { numeric: true });
    if (c !== 0) return c;
  }
  return 0;
}

/** Agenda items of one Yjs document, in array order, first occurrence of an id wins. */
function itemsOf(doc: Y.Doc | undefined, isPublic: boolean): AgendaItem[] {
  const items: AgendaItem[] = [];
  const seen = new Set<string>();
  if (!doc) return items;
  for (const m of doc.getArray<Y.Map<unknown>>('agenda').toArray()) {
    if (!(m instanceof Y.Map)) continue;
    const [id, no, title] = [m.get('id'), m.get('no'), m.get('title')];
    if (typeof id !== 'string' || typeof no !== 'string' || typeof title !== 'string' || seen.has(id)) continue;
    seen.add(id);
    // Whatever the map says, an item is public exactly when it lives in the public document.
    items.push({ id, no, title, public: isPublic });
  }
  return items;
}

interface VoteIndex {
  vote: Vote;
  voters: Set<string>; // persons whose ballot took their one place (not duplicate, not not-entitled)
  pending: string[]; // entry ids of pending ballots
  secret: Map<string, Payload<'vote.ballot'>>; // entry id -> secret ballot
  partials: { index: number; entry: string; shares: string[] }[]; // valid ones, in fold order
  aggregate: secret.Aggregate | null;
}

interface KeyIndex {
  key: KeyState;
  dealers: Map<number, DecodedCommit>; // by trustee index
  keys: secret.Keys | null;
}

class Folder {
  readonly s = emptyState();
  private readonly docs = new Map<Doc, Y.Doc>();
  private readonly folded = new Map<string, { e: Envelope; at: number }>(); // id -> envelope, fold position
  private readonly open: Record<Doc, VoteIndex | null> = { public: null, members: null };
  private readonly votes = new Map<string, VoteIndex>(); // doc + ' ' + vote id
  private readonly keys = new Map<string, KeyIndex>();
  private readonly conflicts = new Set<string>(); // person + ' ' + item
  private persons = new Map<string, Person>();
  private agendaCache: Record<Doc, AgendaItem[] | null> = { public: null, members: null };

  constructor(
    private readonly certs: CertLookup,
    private readonly meetingRef: string,
  ) {}

  apply(e: Envelope): void {
    this.folded.set(e.id, { e, at: this.folded.size });
    const author = toHex(e.author);
    try {
      const cert = this.certs.get(author) ?? reject('unknown device (no certificate)');
      // A revocation can arrive after the device's entries did: those from its moment on are rejected here.
      if (cert.revoked !== undefined && e.hlc.wall >= cert.revoked) reject('device revoked');
      const entry = decodeEntry(e.kind, e.payload);
      if (entry.kind === 'y') this.applyY(e, cert);
      else this.applyDomain(e, cert, entry);
      this.s.applied++;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.s.rejected.push({ entry: e.id, author, kind: e.kind, reason });
    }
  }

  /**
   * Whether the certificate grants one of `roles`. Roles other than admin are held for the bodies the
   * certificate names (SEC-4: bodies strictly separated): a committee's chair is no chair of the council.
   */
  private may(cert: CertBody, roles: Role[]): boolean {
    const body = this.s.body?.id;
    return cert.roles.some((r) => roles.includes(r) && (r === 'admin' || body === undefined || cert.bodies.includes(body)));
  }

  private applyY(e: Envelope, cert: CertBody): void {
    if (!this.may(cert, AGENDA_EDITORS)) reject('role: only chair, deputy, assistant or admin may edit the agenda');
    const name = docOf(e);
    let doc = this.docs.get(name);
    if (!doc) this.docs.set(name, (doc = new Y.Doc()));
    try {
      Y.applyUpdate(doc, e.payload);
    } catch {
      reject('y: not a valid Yjs update');
    } finally {
      this.agendaCache = { public: null, members: null }; // the members' view includes the public items
    }
  }

  private applyDomain(e: Envelope, cert: CertBody, entry: DomainEntry): void {
    const s = this.s;
    const at = e.hlc.wall;
    if (PUBLIC_ONLY.has(entry.kind) && docOf(e) !== 'public') reject(`${entry.kind}: belongs in the public document`);
    switch (entry.kind) {
      case 'meeting.setup': {
        if (!this.may(cert, ['admin'])) reject('role: only an admin may set up the meeting');
        if (s.session !== 'scheduled') reject('meeting.setup: the session has already been opened');
        const p = entry.payload;
        const persons = new Map<string, Person>();
        for (const x of p.persons) {
          if (x.id in Object.prototype) reject(`meeting.setup: person id '${x.id}' is reserved`);
          if (persons.has(x.id)) reject(`meeting.setup: person '${x.id}' is listed twice`);
          persons.set(x.id, { id: x.id, name: x.name, faction: x.faction, voting: x.voting });
        }
        s.body = { id: p.body.id, name: p.body.name, type: p.body.type, statutoryMembers: p.body.statutoryMembers, ...(p.body.runoffTie ? { runoffTie: p.body.runoffTie } : {}) };
        const format = p.meeting.format ?? 'in-person';
        const date = new Date(p.meeting.start).toISOString().slice(0, 10);
        const body = { id: p.body.id, type: p.body.type, ...(p.body.committeeKind ? { committeeKind: p.body.committeeKind } : {}) };
        const check = checkBasis({ body, format, date, ...(p.meeting.basis ? { basis: p.meeting.basis } : {}) }, s.legal);
        if (!check.ok) reject(`meeting.setup: no legal basis for a ${format} meeting: ${check.reason.en}`);
        s.meeting = { id: p.meeting.id, title: p.meeting.title, start: p.meeting.start, place: p.meeting.place, format, legal: (check as { basis: Basis }).basis };
        s.factions = p.factions.map((f) => ({ id: f.id, name: f.name }));
        s.persons = [...persons.values()];
        this.persons = persons;
        for (const id of Object.keys(s.attendance)) if (!persons.has(id)) delete s.attendance[id];
        this.recheckQuorum(at);
        return;
      }
      case 'legal.decision':
      case 'legal.clause': {
        if (!this.may(cert, ['admin'])) reject('role: only an admin may record a legal basis');
        if (docOf(e) !== 'public') reject(`${entry.kind}: belongs in the public document`);
        if (entry.kind === 'legal.clause') s.legal = { ...s.legal, hauptsatzung: { ...entry.payload } };
        else if (s.legal.decisions.some((d) => d.id === entry.payload.id)) reject(`legal.decision: '${entry.payload.id}' already recorded`);
        else s.legal = { ...s.legal, decisions: [...s.legal.decisions, { ...entry.payload }] };
        return;
      }
      case 'session.open':
        if (!this.may(cert, CHAIR)) reject('role: only the chair or deputy may open the session');
        if (!s.meeting) reject('session.open: the meeting is not set up');
        if (s.session !== 'scheduled') reject(`session.open: the session is ${s.session}`);
        s.session = 'open';
        s.openedAt = at;
        return;
      case 'session.close':
        if (!this.may(cert, CHAIR)) reject('role: only the chair or deputy may close the session');
        if (s.session !== 'open') reject('session.close: the session is not open');
        if (this.open.public) reject(`session.close: vote '${this.open.public.vote.id}' is still open`);
        s.session = 'closed';
        s.closedAt = at;
        return;
      case 'item.current': {
        if (!this.may(cert, CLERK)) reject('role: only chair, deputy or assistant may set the current item');
        const item = entry.payload.item;
        // The public cannot see non-public items: in the public document an id it does not know
        // stands for a non-public item (the public view shows that a non-public part runs).
        if (item !== null && docOf(e) === 'members' && !this.agendaItem(item, 'members'))
          reject(`item.current: no agenda item '${item}'`);
        s.currentItem = item;
        return;
      }
      case 'attendance.in':
      case 'attendance.out':
        return this.attendance(e, cert, entry.kind === 'attendance.in', entry.payload);
      case 'vote.open':
        return this.voteOpen(e, cert, entry.payload);
      case 'vote.candidate':
        return this.voteCandidate(e, cert, entry.payload);
      case 'vote.cast':
        return this.voteCast(e, cert, entry.payload);
      case 'vote.ballot':
        return this.voteBallot(e, cert, entry.payload);
      case 'vote.close':
        return this.voteClose(e, cert, entry.payload);
      case 'vote.partial':
        return this.votePartial(e, cert, entry.payload);
      case 'vote.postal':
        return this.votePostal(e, cert, entry.payload);
      case 'vote.result':
        return this.voteResult(e, cert, entry.payload);
      case 'lot.open':
      case 'lot.commit':
      case 'lot.reveal':
        return this.lot(e, cert, entry);
      case 'key.setup':
        return this.keySetup(cert, entry.payload);
      case 'key.commit':
      case 'key.shares':
      case 'key.ok':
      case 'key.complaint':
        return this.keyStep(e, cert, entry);
      case 'conflict.declare':
        return this.conflict(e, cert, entry.payload);
      case 'handbook.ack': {
        // Personal data of the member: kept out of the public document.
        if (docOf(e) !== 'members') reject('handbook.ack: belongs in the members document');
        if (!this.persons.has(cert.person)) reject(`handbook.ack: '${cert.person}' is not a member of this body`);
        const p = entry.payload;
        if (this.s.acknowledgements.some((a) => a.person === cert.person && a.kind === p.kind && a.version === p.version)) return;
        this.s.acknowledgements.push({ person: cert.person, kind: p.kind, version: p.version, at: e.hlc.wall, entry: e.id });
        return;
      }
    }
  }

  private attendance(e: Envelope, cert: CertBody, present: boolean, p: { person: string; place?: 'remote' | 'onsite' }): void {
    const s = this.s;
    if (p.person !== cert.person && !this.may(cert, CLERK)) reject('role: only the member or the chair may record attendance');
    if (!this.persons.has(p.person)) reject(`attendance: '${p.person}' is not a member of this body`);
    if (s.session === 'closed') reject('attendance: the session is closed');
    const place = present ? (p.place ?? 'remote') : null;
    const now = s.attendance[p.person];
    if (now && now.present === present && now.place === place) return; // nothing changes
    s.attendance[p.person] = { present, place, since: e.hlc.wall };
    s.attendanceLog.push({ person: p.person, present, place, at: e.hlc.wall, by: cert.person, entry: e.id });
    this.recheckQuorum(e.hlc.wall);
  }

  private recheckQuorum(at: number): void {
    const s = this.s;
    const statutory = s.body?.statutoryMembers ?? 0;
    let present = 0;
    for (const p of s.persons) if (p.voting && s.attendance[p.id]?.present) present++;
    const needed = Math.floor(statutory / 2) + 1;
    const quorate = statutory > 0 && present >= needed;
    const last = s.quorumLog[s.quorumLog.length - 1];
    s.quorum = { statutory, present, needed, quorate };
    if (!last || last.present !== present || last.quorate !== quorate) s.quorumLog.push({ at, quorate, present });
  }

  /** The agenda of one document; for the members document, the whole agenda a member sees. */
  private agendaOf(doc: Doc): AgendaItem[] {
    return (this.agendaCache[doc] ??= doc === 'public' ? itemsOf(this.docs.get('public'), true) : this.agenda());
  }

  private agendaItem(id: string, doc: Doc): AgendaItem | undefined {
    return this.agendaOf(doc).find((i) => i.id === id);
  }

  /** The vote a ballot or close names, looked up in the entry's own document only. */
  private vote(e: Envelope, id: string, kind: string): VoteIndex {
    return this.votes.get(`${docOf(e)} ${id}`) ?? reject(`${kind}: no vote '${id}' in the ${docOf(e)} document`);
  }

  private voteOpen(e: Envelope, cert: CertBody, p: Payload<'vote.open'>): void {
    const s = this.s;
    const doc = docOf(e);
    if (!this.may(cert, CHAIR)) reject('role: only the chair or deputy may open a vote');
    if (s.session !== 'open') reject('vote.open: the session is not open');
    // A members' device sees both documents, the public only its own: judge a public entry by public state.
    const visible: Doc[] = doc === 'public' ? ['public'] : ['public', 'members'];
    for (const d of visible) {
      const open = this.open[d];
      if (open) reject(`vote.open: vote '${open.vote.id}' is still open`);
      if (this.votes.has(`${d} ${p.vote}`)) reject(`vote.open: vote id '${p.vote}' already used`);
    }
    if (p.item !== null && !this.agendaItem(p.item, doc))
      reject(doc === 'public' ? `vote.open: no public agenda item '${p.item}' (a vote on a non-public item belongs in the members document)` : `vote.open: no agenda item '${p.item}'`);
    const kind = p.kind ?? 'decision';
    let candidates = p.candidates ?? [];
    let round = 1;
    if (kind === 'decision' && (candidates.length > 0 || p.runoffOf)) reject('vote.open: only an election has candidates or a run-off');
    if (new Set(candidates.map((c) => c.id)).size !== candidates.length) reject('vote.open: a candidate is listed twice');
    if (candidates.some((c) => RESERVED_OPTIONS.has(c.id))) reject("vote.open: 'yes', 'no' and 'abstain' cannot be candidate ids");
    if (p.runoffOf !== undefined) {
      const prev = this.votes.get(`${doc} ${p.runoffOf}`)?.vote ?? reject(`vote.open: no election '${p.runoffOf}' in the ${doc} document to follow`);
      const between = (prev.kind === 'election' && prev.runoff) || reject(`vote.open: election '${prev.id}' has no run-off to hold`);
      if (candidates.map((c) => c.id).sort().join(',') !== [...between].sort().join(',')) reject(`vote.open: the run-off is between ${between.join(' and ')}`);
      candidates = between.map((id) => candidates.find((c) => c.id === id)!);
      round = prev.round + 1;
    }
    if (p.mode === 'secret') {
      const key = this.keys.get(p.key ?? '') ?? reject(`vote.open: a secret vote needs a ready meeting key (key '${p.key ?? ''}' unknown)`);
      if (key.key.status !== 'ready') reject(`vote.open: meeting key '${key.key.id}' is ${key.key.status}, not ready`);
    } else if (p.key !== undefined) reject('vote.open: only a secret vote names a key');
    if (p.publicResult === false && (p.mode !== 'secret' || doc !== 'members'))
      reject('vote.open: a result kept from the public needs a secret vote in the members document');
    const vote: Vote = {
      id: p.vote,
      item: p.item,
      title: p.title,
      mode: p.mode,
      kind,
      rule: p.rule ?? 'simple',
      doc,
      round,
      runoffOf: p.runoffOf ?? null,
      candidates: candidates.map((c) => ({ id: c.id, name: c.name })),
      options: [],
      key: p.mode === 'secret' ? p.key! : null,
      publicResult: p.publicResult ?? true,
      status: 'open',
      openedAt: e.hlc.wall,
      closedAt: null,
      ballots: [],
      received: 0,
      tally: { yes: 0, no: 0, abstain: 0 },
      counts: null,
      source: 'digital',
      postal: null,
      aggregate: null,
      partials: [],
      decryption: 'none',
      result: null,
      outcome: null,
      lot: null,
      elected: null,
      runoff: null,
    };
    vote.options = optionsOf(vote);
    const index: VoteIndex = { vote, voters: new Set(), pending: [], secret: new Map(), partials: [], aggregate: null };
    s.votes.push(vote);
    this.votes.set(`${doc} ${p.vote}`, index);
    this.open[doc] = index;
  }

  private voteCandidate(e: Envelope, cert: CertBody, p: Payload<'vote.candidate'>): void {
    if (!this.may(cert, CHAIR)) reject('role: only the chair or deputy may add a candidate');
    const v = this.vote(e, p.vote, 'vote.candidate').vote;
    if (v.kind !== 'election') reject(`vote.candidate: '${v.id}' is not an election`);
    if (v.runoffOf) reject('vote.candidate: the candidates of a run-off are fixed');
    if (v.status !== 'open') reject(`vote.candidate: election '${v.id}' is closed`);
    if (v.ballots.length > 0) reject(`vote.candidate: ballots have been cast in '${v.id}'`);
    if (RESERVED_OPTIONS.has(p.candidate.id) || v.candidates.some((c) => c.id === p.candidate.id)) reject(`vote.candidate: '${p.candidate.id}' is taken`);
    v.candidates.push({ id: p.candidate.id, name: p.candidate.name });
    v.options = optionsOf(v);
  }

  /** Whether the author may vote now: a voting member, present, without a conflict for the vote's item. */
  private entitled(cert: CertBody, v: Vote): boolean {
    const person = this.persons.get(cert.person);
    if (!person || !person.voting || !this.may(cert, VOTERS) || !this.s.attendance[cert.person]?.present) return false;
    return v.item === null || !this.conflicts.has(`${cert.person} ${v.item}`);
  }

  /** Places the ballot: duplicate, late, not entitled, or pending until the close decides. */
  private place(index: VoteIndex, cert: CertBody, ballot: { person: string; choice: string | null; entry: string; at: number }): boolean {
    const v = index.vote;
    // One ballot per person and vote: the first in fold order holds the place, even if it turns out late.
    if (index.voters.has(cert.person)) {
      v.ballots.push({ ...ballot, status: 'duplicate' });
      return false;
    }
    if (v.status === 'closed') {
      index.voters.add(cert.person);
      v.ballots.push({ ...ballot, status: 'late' });
      return false;
    }
    if (!this.entitled(cert, v)) {
      v.ballots.push({ ...ballot, status: 'not-entitled' });
      return false;
    }
    index.voters.add(cert.person);
    index.pending.push(ballot.entry);
    v.ballots.push({ ...ballot, status: 'pending' });
    v.received++;
    return true;
  }

  private voteCast(e: Envelope, cert: CertBody, p: Payload<'vote.cast'>): void {
    const index = this.vote(e, p.vote, 'vote.cast');
    const v = index.vote;
    if (v.mode === 'secret') reject(`vote.cast: '${v.id}' is secret; only encrypted ballots count`);
    if (!v.options.includes(p.choice)) reject(`vote.cast: '${p.choice}' is not an option of '${v.id}'`);
    this.place(index, cert, { person: cert.person, choice: p.choice, entry: e.id, at: e.hlc.wall });
  }

  private voteBallot(e: Envelope, cert: CertBody, p: Payload<'vote.ballot'>): void {
    const index = this.vote(e, p.vote, 'vote.ballot');
    const v = index.vote;
    if (v.mode !== 'secret') reject(`vote.ballot: '${v.id}' is not secret`);
    const ballot = { person: cert.person, choice: null, entry: e.id, at: e.hlc.wall };
    const key = this.keys.get(v.key!)!;
    const options = v.options.length - 1; // abstain is no ciphertext
    if (!secret.ballotValid(e.id, this.meetingRef, v.id, key.keys!.joint, e.author, options, p)) {
      v.ballots.push({ ...ballot, status: 'invalid' });
      return;
    }
    if (this.place(index, cert, ballot)) index.secret.set(e.id, p);
  }

  private voteClose(e: Envelope, cert: CertBody, p: Payload<'vote.close'>): void {
    if (!this.may(cert, CHAIR)) reject('role: only the chair or deputy may close a vote');
    const index = this.vote(e, p.vote, 'vote.close');
    const v = index.vote;
    if (v.status !== 'open') reject(`vote.close: vote '${v.id}' is not open`);
    const past = this.causalPast(e, new Set(index.pending));
    const counted: string[] = [];
    for (const b of v.ballots) {
      if (b.status !== 'pending') continue;
      b.status = past.has(b.entry) ? 'counted' : 'late';
      if (b.status === 'counted') counted.push(b.choice ?? b.entry);
    }
    index.pending = [];
    v.status = 'closed';
    v.closedAt = e.hlc.wall;
    this.open[v.doc] = null;
    if (v.postal) return;
    if (v.mode !== 'secret') {
      const counts = Object.fromEntries(v.options.map((o) => [o, 0]));
      for (const c of counted) counts[c]!++;
      return this.counted(v, counts);
    }
    // Secret: the sum of the counted ballots waits for t trustees' partial decryptions.
    const ballots = v.ballots.filter((b) => b.status === 'counted').map((b) => ({ entry: b.entry, cts: index.secret.get(b.entry)!.cts }));
    if (ballots.length === 0) return this.counted(v, Object.fromEntries(v.options.map((o) => [o, 0])));
    index.aggregate = secret.aggregate(ballots, v.options.length - 1);
    v.aggregate = { a: [...index.aggregate.a], b: [...index.aggregate.b] };
    v.decryption = 'waiting';
  }

  private votePartial(e: Envelope, cert: CertBody, p: Payload<'vote.partial'>): void {
    const index = this.vote(e, p.vote, 'vote.partial');
    const v = index.vote;
    const agg = (v.mode === 'secret' && v.decryption === 'waiting' && index.aggregate) || reject(`vote.partial: '${v.id}' awaits no decryption`);
    const key = this.keys.get(v.key!)!;
    const trustee = cert.person;
    const at = key.key.trustees.indexOf(trustee);
    if (at < 0 || key.key.devices[trustee] !== toHex(e.author)) reject(`vote.partial: only a trustee's key device of '${key.key.id}' may decrypt`);
    if (v.partials.some((x) => x.trustee === trustee)) reject(`vote.partial: trustee '${trustee}' has already decrypted '${v.id}'`);
    const valid = secret.partialValid(e.id, this.meetingRef, v.id, at + 1, key.keys!.verification[at]!, agg, p);
    v.partials.push({ trustee, index: at + 1, entry: e.id, valid });
    if (!valid) return;
    index.partials.push({ index: at + 1, entry: e.id, shares: p.shares });
    if (index.partials.length < key.key.threshold) return;
    const counted = v.ballots.filter((b) => b.status === 'counted').length;
    const plain = secret.decrypt(agg, index.partials, counted);
    if (!plain) {
      v.decryption = 'failed';
      return;
    }
    const counts: Record<string, number> = {};
    v.options.slice(0, -1).forEach((o, i) => (counts[o] = plain[i]!));
    counts.abstain = counted - plain.reduce((a, b) => a + b, 0);
    this.counted(v, counts);
  }

  private votePostal(e: Envelope, cert: CertBody, p: Payload<'vote.postal'>): void {
    if (!this.may(cert, CHAIR)) reject('role: only the chair or deputy may order a postal ballot');
    const index = this.vote(e, p.vote, 'vote.postal');
    const v = index.vote;
    if (v.counts) reject(`vote.postal: '${v.id}' is already counted`);
    if (v.postal) reject(`vote.postal: '${v.id}' is already a postal ballot`);
    v.postal = { reason: p.reason, at: e.hlc.wall, entry: e.id };
    v.source = 'postal';
    v.decryption = 'none';
    if (v.status === 'open') {
      v.status = 'closed';
      v.closedAt = e.hlc.wall;
      this.open[v.doc] = null;
    }
    for (const b of v.ballots) if (b.status === 'pending') b.status = 'late';
    index.pending = [];
  }

  private voteResult(e: Envelope, cert: CertBody, p: Payload<'vote.result'>): void {
    if (!this.may(cert, CHAIR)) reject('role: only the chair or deputy may enter a postal result');
    const v = this.vote(e, p.vote, 'vote.result').vote;
    if (!v.postal) reject(`vote.result: '${v.id}' is not a postal ballot`);
    if (v.counts) reject(`vote.result: the result of '${v.id}' is already entered`);
    const unknown = Object.keys(p.counts).filter((o) => !v.options.includes(o));
    if (unknown.length > 0) reject(`vote.result: not options of '${v.id}': ${unknown.join(', ')}`);
    this.counted(v, Object.fromEntries(v.options.map((o) => [o, p.counts[o] ?? 0])));
  }

  /** The counts are known: decide the decision (GO NRW § 50 Abs. 1) or the election (§ 50 Abs. 2). */
  private counted(v: Vote, counts: Record<string, number>): void {
    v.counts = counts;
    v.decryption = v.mode === 'secret' && !v.postal ? 'done' : v.decryption;
    if (v.kind === 'decision') {
      v.tally = { yes: counts.yes ?? 0, no: counts.no ?? 0, abstain: counts.abstain ?? 0 };
      v.result = decide(v.rule, v.tally, this.s.body?.statutoryMembers ?? 0);
      return;
    }
    const tally = {
      candidates: Object.fromEntries(v.candidates.map((c) => [c.id, counts[c.id] ?? 0])),
      no: counts.no ?? 0,
      abstain: counts.abstain ?? 0,
      invalid: 0,
    };
    v.outcome = v.round === 1 ? firstRound(tally, { runoffTie: this.s.body?.runoffTie ?? DEFAULT_SETTINGS.runoffTie }) : runoff(tally);
    if (v.outcome.kind === 'elected') v.elected = v.outcome.candidate;
    if (v.outcome.kind === 'runoff') v.runoff = v.outcome.candidates;
  }

  private lot(e: Envelope, cert: CertBody, entry: Extract<DomainEntry, { kind: 'lot.open' | 'lot.commit' | 'lot.reveal' }>): void {
    const v = this.vote(e, entry.payload.vote, entry.kind).vote;
    if (entry.kind === 'lot.open') {
      if (!this.may(cert, CHAIR)) reject('role: only the chair or deputy may call a lot');
      const outcome = v.outcome?.kind === 'lot' ? v.outcome : reject(`lot.open: '${v.id}' needs no lot`);
      if (v.lot) reject(`lot.open: the lot of '${v.id}' is already called`);
      const drawers = [...new Set(entry.payload.drawers)];
      if (drawers.some((d) => !this.persons.has(d))) reject('lot.open: every drawer must be a person of this body');
      v.lot = { drawers, among: outcome.among, commits: {}, reveals: {}, order: null, seed: null };
      return;
    }
    const lot = v.lot ?? reject(`${entry.kind}: no lot called for '${v.id}'`);
    const me = cert.person;
    if (!lot.drawers.includes(me)) reject(`${entry.kind}: '${me}' is not a drawer of this lot`);
    if (entry.kind === 'lot.commit') {
      if (lot.commits[me]) reject(`lot.commit: '${me}' has already committed`);
      if (Object.keys(lot.reveals).length > 0) reject('lot.commit: reveals have begun');
      lot.commits[me] = entry.payload.commitment;
      return;
    }
    if (Object.keys(lot.commits).length < lot.drawers.length) reject('lot.reveal: not every drawer has committed yet');
    if (lot.reveals[me]) reject(`lot.reveal: '${me}' has already revealed`);
    const problems = checkReveals(v.id, { [me]: lot.commits[me]! }, [{ drawer: me, reveal: entry.payload.reveal }]);
    if (problems.length > 0) reject(`lot.reveal: ${problems.join('; ')}`);
    lot.reveals[me] = entry.payload.reveal;
    if (Object.keys(lot.reveals).length < lot.drawers.length) return;
    const seedBytes = seed(v.id, Object.entries(lot.reveals).map(([drawer, reveal]) => ({ drawer, reveal })));
    lot.seed = toHex(seedBytes);
    lot.order = draw(seedBytes, lot.among);
    const o = v.outcome as Extract<NonNullable<Vote['outcome']>, { kind: 'lot' }>;
    if (o.then === 'elected') v.elected = lot.order[0]!;
    else v.runoff = [...o.fixed, ...lot.order.slice(0, o.places)];
  }

  private keySetup(cert: CertBody, p: Payload<'key.setup'>): void {
    if (!this.may(cert, CHAIR)) reject('role: only the chair or deputy may name trustees');
    if (this.s.session === 'closed') reject('key.setup: the session is closed');
    if (this.keys.has(p.key)) reject(`key.setup: key '${p.key}' already exists`);
    const trustees = [...new Set(p.trustees)];
    if (trustees.length !== p.trustees.length) reject('key.setup: a trustee is named twice');
    if (trustees.some((t) => !this.persons.has(t))) reject('key.setup: every trustee must be a person of this body');
    if (p.threshold > trustees.length) reject('key.setup: the threshold exceeds the number of trustees');
    const key: KeyState = { id: p.key, trustees, threshold: p.threshold, devices: {}, committed: [], dealt: [], acknowledged: [], status: 'setup', joint: null, problem: null };
    this.s.keys.push(key);
    this.keys.set(p.key, { key, dealers: new Map(), keys: null });
  }

  private keyStep(e: Envelope, cert: CertBody, entry: Extract<DomainEntry, { kind: 'key.commit' | 'key.shares' | 'key.ok' | 'key.complaint' }>): void {
    const k = this.keys.get(entry.payload.key) ?? reject(`${entry.kind}: no key '${entry.payload.key}'`);
    const key = k.key;
    const me = cert.person;
    const index = key.trustees.indexOf(me) + 1;
    if (index === 0) reject(`${entry.kind}: '${me}' is no trustee of key '${key.id}'`);
    if (key.status !== 'setup') reject(`${entry.kind}: key '${key.id}' is ${key.status}`);
    const device = toHex(e.author);
    if (entry.kind === 'key.commit') {
      if (Object.hasOwn(key.devices, me)) reject(`key.commit: trustee '${me}' has already committed`);
      const d = secret.dealer(e.id, this.meetingRef, key.id, index, key.threshold, entry.payload);
      if (typeof d === 'string') reject(`key.commit: ${d}`);
      key.devices[me] = device;
      k.dealers.set(index, d as DecodedCommit);
      key.committed.push(me);
      return;
    }
    if (key.devices[me] !== device) reject(`${entry.kind}: only the device that committed for '${me}' may continue`);
    if (entry.kind === 'key.complaint') {
      key.status = 'failed';
      key.problem = `${me} (trustee ${index}) complains about trustee ${entry.payload.against}: ${entry.payload.reason}`;
      return;
    }
    if (key.committed.length < key.trustees.length) reject(`${entry.kind}: not every trustee has committed yet`);
    if (entry.kind === 'key.shares') {
      if (key.dealt.includes(me)) reject(`key.shares: trustee '${me}' has already dealt`);
      const to = entry.payload.shares.map((x) => x.to).sort((a, b) => a - b).join(',');
      const want = key.trustees.map((_, i) => i + 1).filter((i) => i !== index).join(',');
      if (to !== want) reject(`key.shares: shares for trustees ${want} expected`);
      key.dealt.push(me);
      return;
    }
    if (key.dealt.length < key.trustees.length) reject('key.ok: not every trustee has dealt yet');
    if (key.acknowledged.includes(me)) return;
    key.acknowledged.push(me);
    if (key.acknowledged.length < key.trustees.length) return;
    k.keys = secret.keysOf(key.id, key.trustees.map((_, i) => k.dealers.get(i + 1)!), key.trustees.length);
    key.joint = k.keys.joint;
    key.status = 'ready';
  }

  private conflict(e: Envelope, cert: CertBody, p: Payload<'conflict.declare'>): void {
    if (p.person !== cert.person && !this.may(cert, CLERK)) reject('role: only the member or the chair may record a conflict of interest');
    if (!this.persons.has(p.person)) reject(`conflict.declare: '${p.person}' is not a member of this body`);
    const item = this.agendaItem(p.item, docOf(e)) ?? reject(`conflict.declare: no agenda item '${p.item}'`);
    // A conflict on a public item must be public, or the public would count its votes differently.
    if (item.public && docOf(e) === 'members') reject('conflict.declare: a conflict on a public item belongs in the public document');
    const k = `${p.person} ${p.item}`;
    if (this.conflicts.has(k)) return;
    this.conflicts.add(k);
    this.s.conflicts.push({ person: p.person, item: p.item, at: e.hlc.wall, entry: e.id });
  }

  /**
   * Which of `wanted` lie in the causal past of `from` (reachable through prev and deps). An entry
   * folded before the earliest wanted one cannot have it in its past (the fold order extends
   * causality), so the walk stops there.
   */
  private causalPast(from: Envelope, wanted: Set<string>): Set<string> {
    const found = new Set<string>();
    if (wanted.size === 0) return found;
    let floor = Infinity;
    for (const id of wanted) floor = Math.min(floor, this.folded.get(id)!.at);
    const seen = new Set<string>([from.id]);
    const stack = [from];
    while (stack.length > 0 && found.size < wanted.size) {
      for (const p of preds(stack.pop()!)) {
        const next = this.folded.get(p);
        if (seen.has(p) || !next || next.at < floor) continue;
        seen.add(p);
        if (wanted.has(p)) found.add(p);
        stack.push(next.e);
      }
    }
    return found;
  }

  /** Both documents' items sorted by number; on an id in both, the public item wins (as the public sees it). */
  agenda(): AgendaItem[] {
    const items = this.agendaOf('public').slice();
    const ids = new Set(items.map((i) => i.id));
    for (const i of itemsOf(this.docs.get('members'), false)) if (!ids.has(i.id)) items.push(i);
    return items.sort((a, b) => compareItemNo(a.no, b.no) || (a.id < b.id ? -1 : 1));
  }
}

/** What a ballot may mark: decisions yes/no/abstain, elections every candidate, No and abstain. */
function optionsOf(v: Vote): string[] {
  return v.kind === 'decision' ? ['yes', 'no', 'abstain'] : [...v.candidates.map((c) => c.id), 'no', 'abstain'];
}

/** `meetingRef` ("tenant/meeting") binds secret-ballot proofs to this meeting. */
export function fold(ordered: readonly Envelope[], certs: CertLookup, meetingRef = ''): SessionState {
  const f = new Folder(certs, meetingRef);
  for (const e of ordered) f.apply(e);
  f.s.agenda = f.agenda().map((i) => ({ ...i }));
  return f.s;
}

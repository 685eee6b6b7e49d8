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
import { decodeEntry, type DomainEntry, type Payload } from './entries.js';
import { preds } from './log.js';
import { decide } from './majority.js';
import type { AgendaItem, Person, SessionState, Vote } from './state.js';

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
const PUBLIC_ONLY = new Set(['meeting.setup', 'session.open', 'session.close', 'attendance.in', 'attendance.out']);

type Doc = 'public' | 'members';
const docOf = (e: Envelope): Doc => (e.doc === 'members' ? 'members' : 'public');

function emptyState(): SessionState {
  return {
    body: null,
    meeting: null,
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
}

class Folder {
  readonly s = emptyState();
  private readonly docs = new Map<Doc, Y.Doc>();
  private readonly folded = new Map<string, { e: Envelope; at: number }>(); // id -> envelope, fold position
  private readonly open: Record<Doc, VoteIndex | null> = { public: null, members: null };
  private readonly votes = new Map<string, VoteIndex>(); // doc + ' ' + vote id
  private persons = new Map<string, Person>();
  private agendaCache: Record<Doc, AgendaItem[] | null> = { public: null, members: null };

  constructor(private readonly certs: CertLookup) {}

  apply(e: Envelope): void {
    this.folded.set(e.id, { e, at: this.folded.size });
    const author = toHex(e.author);
    try {
      const cert = this.certs.get(author) ?? reject('unknown device (no certificate)');
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
        s.body = { id: p.body.id, name: p.body.name, type: p.body.type, statutoryMembers: p.body.statutoryMembers };
        s.meeting = { id: p.meeting.id, title: p.meeting.title, start: p.meeting.start, place: p.meeting.place };
        s.factions = p.factions.map((f) => ({ id: f.id, name: f.name }));
        s.persons = [...persons.values()];
        this.persons = persons;
        for (const id of Object.keys(s.attendance)) if (!persons.has(id)) delete s.attendance[id];
        this.recheckQuorum(at);
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
      case 'vote.cast':
        return this.voteCast(e, cert, entry.payload);
      case 'vote.close':
        return this.voteClose(e, cert, entry.payload);
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
    const vote: Vote = {
      id: p.vote,
      item: p.item,
      title: p.title,
      mode: p.mode,
      rule: p.rule ?? 'simple',
      doc,
      status: 'open',
      openedAt: e.hlc.wall,
      closedAt: null,
      ballots: [],
      tally: { yes: 0, no: 0, abstain: 0 },
      result: null,
    };
    const index: VoteIndex = { vote, voters: new Set(), pending: [] };
    s.votes.push(vote);
    this.votes.set(`${doc} ${p.vote}`, index);
    this.open[doc] = index;
  }

  private voteCast(e: Envelope, cert: CertBody, p: Payload<'vote.cast'>): void {
    const index = this.vote(e, p.vote, 'vote.cast');
    const v = index.vote;
    const ballot = { person: cert.person, choice: p.choice, entry: e.id, at: e.hlc.wall };
    // One ballot per person and vote: the first in fold order holds the place, even if it turns out late.
    if (index.voters.has(cert.person)) {
      v.ballots.push({ ...ballot, status: 'duplicate' });
      return;
    }
    if (v.status === 'closed') {
      index.voters.add(cert.person);
      v.ballots.push({ ...ballot, status: 'late' });
      return;
    }
    const person = this.persons.get(cert.person);
    const entitled = !!person && person.voting && this.may(cert, VOTERS) && !!this.s.attendance[cert.person]?.present;
    if (!entitled) {
      v.ballots.push({ ...ballot, status: 'not-entitled' });
      return;
    }
    index.voters.add(cert.person);
    index.pending.push(e.id);
    v.ballots.push({ ...ballot, status: 'pending' });
  }

  private voteClose(e: Envelope, cert: CertBody, p: Payload<'vote.close'>): void {
    if (!this.may(cert, CHAIR)) reject('role: only the chair or deputy may close a vote');
    const index = this.vote(e, p.vote, 'vote.close');
    const v = index.vote;
    if (v.status !== 'open') reject(`vote.close: vote '${v.id}' is not open`);
    const past = this.causalPast(e, new Set(index.pending));
    for (const b of v.ballots) {
      if (b.status !== 'pending') continue;
      b.status = past.has(b.entry) ? 'counted' : 'late';
      if (b.status === 'counted') v.tally[b.choice]++;
    }
    index.pending = [];
    v.status = 'closed';
    v.closedAt = e.hlc.wall;
    // GO NRW § 50 Abs. 1 unless a qualified majority was selected: abstentions never count; a tie rejects.
    v.result = decide(v.rule, v.tally, this.s.body?.statutoryMembers ?? 0);
    this.open[v.doc] = null;
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

export function fold(ordered: readonly Envelope[], certs: CertLookup): SessionState {
  const f = new Folder(certs);
  for (const e of ordered) f.apply(e);
  f.s.agenda = f.agenda().map((i) => ({ ...i }));
  return f.s;
}

/**
 * The one fold from verified entries, in the log's deterministic order, to the session state
 * (DESIGN.md "The signed log"). Role rules are checked here: an entry its author may not make is
 * rejected and listed in state.rejected, never applied. Counting follows GO NRW § 50 Abs. 1; quorum
 * follows the rule "more than half of the statutory members present"; whether a ballot counts is
 * decided by causality (in the causal past of the chair's close entry), never by arrival.
 */
import * as Y from 'yjs';
import { toHex } from '../crypto/bytes.js';
import type { CertBody, Role } from '../crypto/cert.js';
import type { Envelope } from '../crypto/envelope.js';
import { decodeEntry, type DomainEntry, type Payload } from './entries.js';
import { preds } from './log.js';
import { decide } from './majority.js';
import type { AgendaItem, SessionState, Vote } from './state.js';

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

const has = (cert: CertBody, roles: Role[]) => cert.roles.some((r) => roles.includes(r));

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

class Folder {
  readonly s = emptyState();
  private readonly docs = new Map<string, Y.Doc>();
  private readonly folded = new Map<string, { e: Envelope; at: number }>(); // id -> envelope, fold position
  private readonly openVote = { id: null as string | null };
  private readonly votesById = new Map<string, Vote>();

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

  private applyY(e: Envelope, cert: CertBody): void {
    if (!has(cert, AGENDA_EDITORS)) reject('role: only chair, deputy, assistant or admin may edit the agenda');
    let doc = this.docs.get(e.doc);
    if (!doc) this.docs.set(e.doc, (doc = new Y.Doc()));
    try {
      Y.applyUpdate(doc, e.payload);
    } catch {
      reject('y: not a valid Yjs update');
    }
  }

  private applyDomain(e: Envelope, cert: CertBody, entry: DomainEntry): void {
    const s = this.s;
    const at = e.hlc.wall;
    switch (entry.kind) {
      case 'meeting.setup': {
        if (!has(cert, ['admin'])) reject('role: only an admin may set up the meeting');
        if (s.session !== 'scheduled') reject('meeting.setup: the session has already been opened');
        const p = entry.payload;
        s.body = p.body;
        s.meeting = p.meeting;
        s.factions = p.factions;
        s.persons = p.persons.map((x) => ({ id: x.id, name: x.name, faction: x.faction, voting: x.voting }));
        for (const id of Object.keys(s.attendance)) if (!this.person(id)) delete s.attendance[id];
        this.recheckQuorum(at);
        return;
      }
      case 'session.open':
        if (!has(cert, CHAIR)) reject('role: only the chair or deputy may open the session');
        if (!s.meeting) reject('session.open: the meeting is not set up');
        if (s.session !== 'scheduled') reject(`session.open: the session is ${s.session}`);
        s.session = 'open';
        s.openedAt = at;
        return;
      case 'session.close':
        if (!has(cert, CHAIR)) reject('role: only the chair or deputy may close the session');
        if (s.session !== 'open') reject('session.close: the session is not open');
        if (this.openVote.id) reject('session.close: a vote is still open');
        s.session = 'closed';
        s.closedAt = at;
        return;
      case 'item.current': {
        if (!has(cert, CLERK)) reject('role: only chair, deputy or assistant may set the current item');
        const item = entry.payload.item;
        if (item !== null && !this.agendaItem(item)) reject(`item.current: no agenda item '${item}'`);
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

  private person(id: string) {
    return this.s.persons.find((p) => p.id === id);
  }

  private agendaItem(id: string): AgendaItem | undefined {
    return this.agenda().find((i) => i.id === id);
  }

  private attendance(e: Envelope, cert: CertBody, present: boolean, p: { person: string; place?: 'remote' | 'onsite' }): void {
    const s = this.s;
    if (p.person !== cert.person && !has(cert, CLERK)) reject('role: only the member or the chair may record attendance');
    if (!this.person(p.person)) reject(`attendance: '${p.person}' is not a member of this body`);
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
    const present = s.persons.filter((p) => p.voting && s.attendance[p.id]?.present).length;
    const needed = Math.floor(statutory / 2) + 1;
    const quorate = statutory > 0 && present >= needed;
    const last = s.quorumLog[s.quorumLog.length - 1];
    s.quorum = { statutory, present, needed, quorate };
    if (!last || last.present !== present || last.quorate !== quorate) s.quorumLog.push({ at, quorate, present });
  }

  private vote(id: string): Vote {
    return this.votesById.get(id) ?? reject(`vote: no vote '${id}'`);
  }

  private voteOpen(e: Envelope, cert: CertBody, p: Payload<'vote.open'>): void {
    const s = this.s;
    if (!has(cert, CHAIR)) reject('role: only the chair or deputy may open a vote');
    if (s.session !== 'open') reject('vote.open: the session is not open');
    if (this.openVote.id) reject(`vote.open: vote '${this.openVote.id}' is still open`);
    if (this.votesById.has(p.vote)) reject(`vote.open: vote id '${p.vote}' already used`);
    if (p.item !== null) {
      const item = this.agendaItem(p.item) ?? reject(`vote.open: no agenda item '${p.item}'`);
      if (!item.public && e.doc === 'public') reject('vote.open: a vote on a non-public item belongs in the members document');
    }
    const vote: Vote = {
      id: p.vote,
      item: p.item,
      title: p.title,
      mode: p.mode,
      rule: p.rule ?? 'simple',
      doc: e.doc === 'members' ? 'members' : 'public',
      status: 'open',
      openedAt: e.hlc.wall,
      closedAt: null,
      ballots: [],
      tally: { yes: 0, no: 0, abstain: 0 },
      result: null,
    };
    s.votes.push(vote);
    this.votesById.set(vote.id, vote);
    this.openVote.id = p.vote;
  }

  private voteCast(e: Envelope, cert: CertBody, p: Payload<'vote.cast'>): void {
    const v = this.vote(p.vote);
    const person = this.person(cert.person);
    const ballot = { person: cert.person, choice: p.choice, entry: e.id, at: e.hlc.wall };
    if (v.doc === 'members' && e.doc !== 'members') reject('vote.cast: ballot for a non-public vote in the public document');
    if (v.ballots.some((b) => b.person === cert.person && b.status !== 'not-entitled')) {
      v.ballots.push({ ...ballot, status: 'duplicate' });
      return;
    }
    if (v.status === 'closed') {
      v.ballots.push({ ...ballot, status: 'late' });
      return;
    }
    const entitled = !!person && person.voting && has(cert, VOTERS) && !!this.s.attendance[cert.person]?.present;
    v.ballots.push({ ...ballot, status: entitled ? 'pending' : 'not-entitled' });
  }

  private voteClose(e: Envelope, cert: CertBody, p: Payload<'vote.close'>): void {
    if (!has(cert, CHAIR)) reject('role: only the chair or deputy may close a vote');
    const v = this.vote(p.vote);
    if (v.status !== 'open') reject(`vote.close: vote '${v.id}' is not open`);
    const past = this.causalPast(e, new Set(v.ballots.filter((b) => b.status === 'pending').map((b) => b.entry)));
    for (const b of v.ballots) {
      if (b.status !== 'pending') continue;
      b.status = past.has(b.entry) ? 'counted' : 'late';
      if (b.status === 'counted') v.tally[b.choice]++;
    }
    v.status = 'closed';
    v.closedAt = e.hlc.wall;
    // GO NRW § 50 Abs. 1 unless a qualified majority was selected: abstentions never count; a tie rejects.
    v.result = decide(v.rule, v.tally, this.s.body?.statutoryMembers ?? 0);
    this.openVote.id = null;
  }

  /**
   * Which of `wanted` lie in the causal past of `from`. An entry folded before the earliest wanted one
   * cannot have it in its past (the fold order extends causality), so the walk stops there.
   */
  private causalPast(from: Envelope, wanted: Set<string>): Set<string> {
    const found = new Set<string>();
    const floor = Math.min(...[...wanted].map((id) => this.folded.get(id)!.at));
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

  agenda(): AgendaItem[] {
    const items: AgendaItem[] = [];
    for (const [docName, doc] of [...this.docs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const m of doc.getArray<Y.Map<unknown>>('agenda').toArray()) {
        if (!(m instanceof Y.Map)) continue;
        const [id, no, title] = [m.get('id'), m.get('no'), m.get('title')];
        if (typeof id !== 'string' || typeof no !== 'string' || typeof title !== 'string') continue;
        if (items.some((i) => i.id === id)) continue;
        // Whatever the map says, an item is public exactly when it lives in the public document.
        items.push({ id, no, title, public: docName === 'public' });
      }
    }
    return items.sort((a, b) => compareItemNo(a.no, b.no) || (a.id < b.id ? -1 : 1));
  }
}

export function fold(ordered: readonly Envelope[], certs: CertLookup): SessionState {
  const f = new Folder(certs);
  for (const e of ordered) f.apply(e);
  f.s.agenda = f.agenda();
  return f.s;
}

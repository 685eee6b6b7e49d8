/**
 * Story helpers for the fold, below the replica: a tenant key, a tiny council of certified devices,
 * a builder that signs envelopes with correct seq/prev and explicit deps, and a local topological
 * sort (Kahn, ties by (hlc.wall, hlc.counter, id)) that checks the fold without core/log.ts.
 *
 *   const c = await council();
 *   const s = new Story(c);
 *   await s.setup();                                        // meeting.setup by admin + agenda by chair
 *   const open = await s.add('chair', 'session.open', {});
 *   const b = await s.add('m1', 'vote.cast', { vote: 'v1', choice: 'yes' }, { deps: [open] });
 *   fold(topoSort(s.all), c.directory);
 */
import * as Y from 'yjs';
import { compare, toHex } from '../../crypto/bytes.js';
import { type Cert, type CertBody, type Role, issue } from '../../crypto/cert.js';
import { type Signer, signerFromSeed } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import type { Envelope } from '../../crypto/envelope.js';
import { Directory } from '../../core/directory.js';
import { type DocName, type DomainKind, type Payload, encodePayload } from '../../core/entries.js';

export const T0 = 1_795_000_000_000;
export const TENANT = 'testtown';
export const MEETING = 'm1';
export const BODY = 'bv';

export interface Dev {
  person: string;
  roles: Role[];
  signer: Signer;
  cert: Cert;
  hex: string;
}

interface Member {
  person: string;
  name: string;
  roles: Role[];
  faction: string | null;
  voting: boolean;
  bodies?: string[];
}

/**
 * Five voting members in two factions (chair, m1..m4; chair and m1, m3 in f1, m2, m4 in f2), one
 * advisory member, an admin, an assistant, and `otherChair`, a chair certified for another body only.
 * `stranger` is a device without a certificate.
 */
export const MEMBERS: Member[] = [
  { person: 'admin', name: 'Verwaltung', roles: ['admin'], faction: null, voting: false },
  { person: 'chair', name: 'Vorsitz', roles: ['chair', 'member'], faction: 'f1', voting: true },
  { person: 'm1', name: 'Mitglied 1', roles: ['member'], faction: 'f1', voting: true },
  { person: 'm2', name: 'Mitglied 2', roles: ['member'], faction: 'f2', voting: true },
  { person: 'm3', name: 'Mitglied 3', roles: ['member'], faction: 'f1', voting: true },
  { person: 'm4', name: 'Mitglied 4', roles: ['member'], faction: 'f2', voting: true },
  { person: 'adv', name: 'Beratendes Mitglied', roles: ['advisory'], faction: null, voting: false },
  { person: 'clerk', name: 'Schriftführung', roles: ['assistant'], faction: null, voting: false },
  { person: 'otherChair', name: 'Vorsitz Ausschuss', roles: ['chair', 'member'], faction: null, voting: false, bodies: ['ausschuss'] },
];

const seed = (n: number) => new Uint8Array(32).fill(n);

export async function council(members: Member[] = MEMBERS) {
  const admin = await signerFromSeed(seed(250));
  const devices: Record<string, Dev> = {};
  for (const [i, m] of members.entries()) {
    const signer = await signerFromSeed(seed(i + 1));
    const body: CertBody = {
      v: 1,
      tenant: TENANT,
      person: m.person,
      name: m.name,
      device: toHex(signer.publicKey),
      roles: m.roles,
      bodies: m.bodies ?? [BODY],
      notBefore: 0,
      notAfter: T0 * 2,
    };
    devices[m.person] = { person: m.person, roles: m.roles, signer, cert: await issue(body, admin), hex: body.device };
  }
  devices['stranger'] = { person: 'stranger', roles: [], signer: await signerFromSeed(seed(240)), cert: null as never, hex: '' };
  devices['stranger'].hex = toHex(devices['stranger'].signer.publicKey);
  const directory = new Directory(TENANT, admin.publicKey);
  for (const d of Object.values(devices)) if (d.cert) await directory.add(d.cert);
  const setupPayload: Payload<'meeting.setup'> = {
    body: { id: BODY, name: 'Bezirksvertretung Test', type: 'bezirksvertretung', statutoryMembers: members.filter((m) => m.voting).length },
    factions: [
      { id: 'f1', name: 'Fraktion Eins' },
      { id: 'f2', name: 'Fraktion Zwei' },
    ],
    persons: members
      .filter((m) => !m.roles.includes('admin') && !m.roles.includes('assistant') && !m.bodies)
      .map((m) => ({ id: m.person, name: m.name, faction: m.faction, voting: m.voting })),
    meeting: { id: MEETING, title: 'Sitzung', start: T0, place: 'Rathaus' },
  };
  return { admin, tenantKey: admin.publicKey, devices, directory, setupPayload };
}

export type Council = Awaited<ReturnType<typeof council>>;

export interface AddOptions {
  doc?: DocName;
  /** Explicit deps; default: every head the story holds (public heads only for a public entry). */
  deps?: Envelope[];
  /** hlc.wall; default: the story clock, advanced by `step` after each entry. */
  wall?: number;
  counter?: number;
}

const byHash = (a: Envelope, b: Envelope) => compare(a.hash, b.hash);

/** Signs envelopes for the council's devices and remembers them (all, in creation order). */
export class Story {
  readonly all: Envelope[] = [];
  now = T0;
  step = 1000;
  private readonly chains = new Map<string, Envelope>(); // doc + author hex -> last envelope
  private readonly heads = { public: new Set<Envelope>(), all: new Set<Envelope>() };

  constructor(readonly c: Council) {}

  async add<K extends DomainKind>(who: string, kind: K, payload: Payload<K>, opts: AddOptions = {}): Promise<Envelope> {
    return this.raw(who, kind, encodePayload(kind, payload), opts);
  }

  /** Any kind and payload bytes, valid or not (for rejection tests). */
  async raw(who: string, kind: string, payload: Uint8Array, opts: AddOptions = {}): Promise<Envelope> {
    const dev = this.c.devices[who] ?? (() => { throw new Error(`no device '${who}'`); })();
    const doc = opts.doc ?? 'public';
    const key = `${doc} ${dev.hex}`;
    const last = this.chains.get(key);
    const deps = (opts.deps ?? [...(doc === 'public' ? this.heads.public : this.heads.all)]).filter((d) => d !== last);
    const e = await envelope.sign(
      {
        tenant: TENANT,
        meeting: MEETING,
        doc,
        author: dev.signer.publicKey,
        seq: last ? last.seq + 1 : 1,
        prev: last ? last.hash : envelope.ZERO_HASH,
        deps: [...new Set(deps)].sort(byHash).map((d) => d.hash),
        hlc: { wall: opts.wall ?? this.now, counter: opts.counter ?? 0 },
        kind,
        payload,
      },
      dev.signer,
    );
    if (opts.wall === undefined) this.now += this.step;
    this.chains.set(key, e);
    this.all.push(e);
    const ids = new Set([...e.deps.map(toHex), ...(last ? [last.id] : [])]);
    for (const set of doc === 'public' ? [this.heads.public, this.heads.all] : [this.heads.all]) {
      for (const h of set) if (ids.has(h.id)) set.delete(h);
      set.add(e);
    }
    return e;
  }

  /** A Yjs update that appends agenda items to `doc`'s Y.Array('agenda'). */
  async agenda(who: string, doc: DocName, items: { id: string; no: string; title: string; public?: boolean }[], opts: AddOptions = {}): Promise<Envelope> {
    const ydoc = new Y.Doc();
    const arr = ydoc.getArray<Y.Map<unknown>>('agenda');
    for (const item of items) {
      const m = new Y.Map<unknown>();
      for (const [k, v] of Object.entries({ public: doc === 'public', ...item })) m.set(k, v);
      arr.push([m]);
    }
    return this.raw(who, 'y', Y.encodeStateAsUpdate(ydoc), { ...opts, doc });
  }

  /** meeting.setup by the admin; public items i1 "1", i2 "2"; non-public i3 "3" by the chair. */
  async setup(): Promise<Envelope[]> {
    return [
      await this.add('admin', 'meeting.setup', this.c.setupPayload),
      await this.agenda('chair', 'public', [
        { id: 'i1', no: '1', title: 'Eröffnung' },
        { id: 'i2', no: '2', title: 'Radweg' },
      ]),
      await this.agenda('chair', 'members', [{ id: 'i3', no: '3', title: 'Grundstück' }]),
    ];
  }

  /** setup, everyone in `present` checked in by their own device, session open. */
  async opened(present: string[] = ['chair', 'm1', 'm2', 'm3']): Promise<void> {
    await this.setup();
    for (const p of present) await this.add(p, 'attendance.in', { person: p, place: 'remote' });
    await this.add('chair', 'session.open', {});
  }
}

const earlier = (a: Envelope, b: Envelope) =>
  a.hlc.wall !== b.hlc.wall ? a.hlc.wall < b.hlc.wall : a.hlc.counter !== b.hlc.counter ? a.hlc.counter < b.hlc.counter : a.id < b.id;

/**
 * Kahn's algorithm, smallest (hlc.wall, hlc.counter, id) first among the ready entries (docs/PROTOCOL.md
 * "Fold order"). Deliberately simple (quadratic pick) and independent of core/log.ts. Duplicates are
 * dropped; entries with a missing predecessor are left out.
 */
export function topoSort(envs: readonly Envelope[]): Envelope[] {
  const byId = new Map(envs.map((e) => [e.id, e]));
  const predsOf = (e: Envelope) => [...new Set([...e.deps.map(toHex), ...(e.seq > 1 ? [toHex(e.prev)] : [])])];
  const done = new Set<string>();
  const out: Envelope[] = [];
  const pending = new Set(byId.values());
  for (;;) {
    let next: Envelope | undefined;
    for (const e of pending) if (predsOf(e).every((p) => done.has(p)) && (!next || earlier(e, next))) next = e;
    if (!next) return out;
    pending.delete(next);
    done.add(next.id);
    out.push(next);
  }
}

/** Ids reachable from `from` through prev and deps (brute force; the oracle for the fold's causal rule). */
export function causalPastOf(from: Envelope, envs: readonly Envelope[]): Set<string> {
  const byId = new Map(envs.map((e) => [e.id, e]));
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const e = stack.pop()!;
    for (const p of [...e.deps.map(toHex), ...(e.seq > 1 ? [toHex(e.prev)] : [])]) {
      if (seen.has(p)) continue;
      seen.add(p);
      const q = byId.get(p);
      if (q) stack.push(q);
    }
  }
  return seen;
}

/** The envelopes of the public document only (what a public client holds). */
export const publicOnly = (envs: readonly Envelope[]) => envs.filter((e) => e.doc === 'public');

/**
 * One device's view of one meeting: verify what arrives, keep the log, fold it into state, sign what
 * this device adds. Used alike by the PWA, the relay's tools, `ratsraum verify`, tests and benchmarks.
 */
import { toHex } from '../crypto/bytes.js';
import type { Cert } from '../crypto/cert.js';
import type { Signer } from '../crypto/ed25519.js';
import * as envelope from '../crypto/envelope.js';
import type { Envelope, Hlc } from '../crypto/envelope.js';
import * as beacon from './beacon.js';
import { Directory } from './directory.js';
import { CERT_NOTE, type DocName, type DomainKind, decodeEntry, encodePayload, type Payload } from './entries.js';
import { grants } from './fold.js';
import { type FoldCounts, Folder } from './incremental.js';
import { CHAIR } from './rules/roles.js';
import { Keyring, scopeOf, sealingKey } from './keyring.js';
import { keyOf, mustSeal, opened, openedKey, sealPayload } from './sealed.js';
import type { DhKey } from '../crypto/seal.js';
import * as hlc from './hlc.js';
import { type Fork, Log } from './log.js';
import type { SessionState } from './state.js';
import type { Frontier, SignedBeacon } from './wire.js';

export interface Integrity {
  forks: Fork[];
  gaps: { doc: string; author: string; have: number; next: number }[];
  danglingDeps: { entry: string; missing: string[] }[];
  invalid: { id?: string; author?: string; reason: string }[];
  withheld: { doc: string; author: string; claimed: number; have: number; reporter: string }[];
  unacknowledged: { entry: string; since: number }[];
  /** Connected, yet no signed heads of the chair (chair or deputy) for longer than the bound: since when. */
  silentChair: { since: number } | null;
  /** Revocations this device holds that the relay's directory no longer lists (an operator rolled it back). */
  rollback: { device: string; person: string }[];
}

export interface ReplicaOptions {
  tenant: string;
  meeting: string;
  tenantKey: Uint8Array;
  docs: readonly DocName[];
  signer?: Signer;
  /** This device's X25519 key (its certificate's `dh`): it opens the members' content of sealed meetings. */
  dh?: DhKey;
  now?: () => number;
  /** How long a claim of a peer's beacon may stay unmet before it counts as withheld (ms). */
  graceMs?: number;
  /** How long a connected device may hear no signed heads of the chair before it warns (ms). */
  chairSilenceMs?: number;
  /** Checks envelope signatures in bulk (web/verify-pool.ts: on all cores); verdicts as envelope.verifySignature's. */
  verify?: (envs: Envelope[]) => Promise<boolean[]>;
}

/** Verdicts of envelope.verifySignature, a chunk at a time (so that a large log does not queue all at once). */
async function verifyHere(envs: Envelope[]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < envs.length; i += VERIFY_CHUNK) out.push(...(await Promise.all(envs.slice(i, i + VERIFY_CHUNK).map((e) => envelope.verifySignature(e)))));
  return out;
}

/** How far an entry's clock may run ahead of the receiver's (DESIGN.md "Identity and trust": bounded skew). */
export const MAX_SKEW_MS = 5 * 60_000;
/** Beacons larger than this (authors named) are ignored: a frontier names at most this many chains. */
export const MAX_BEACON_CHAINS = 2000;

const MAX_INVALID = 1000;
const AHEAD = `clock more than ${MAX_SKEW_MS / 60_000} minutes ahead of this device`;
/** Entries ahead of this device's clock kept to try again (a 300-day one stays here, bounded). */
const MAX_AHEAD = 1000;

/** The doc scope a beacon speaks for: the docs its frontier names. */
const beaconScope = (b: SignedBeacon): string => Object.keys(b.frontier ?? {}).sort().join(',');

/** The certificate a `cert.note` entry records, or undefined when its payload is not one. */
function certOfNote(e: Envelope): Cert | undefined {
  try {
    return (decodeEntry(e.kind, e.payload).payload as { cert: Cert }).cert;
  } catch {
    return undefined;
  }
}
const VERIFY_CHUNK = 512;

export class Replica {
  readonly directory: Directory;
  readonly log = new Log();
  readonly tenant: string;
  readonly meeting: string;
  readonly docs: readonly DocName[];
  /** The content keys this device holds (sealed meetings; none without a signer and an X25519 key). */
  readonly keyring: Keyring | undefined;
  private readonly signer: Signer | undefined;
  private readonly verify: (envs: Envelope[]) => Promise<boolean[]>;
  private readonly verifying = new Map<string, Promise<boolean>>(); // signature checks under way, by entry id
  private readonly now: () => number;
  private readonly graceMs: number;
  private readonly chairSilenceMs: number;
  private connectedSince: number | null = null;
  private lastChairHeads: number | null = null;
  private readonly rolledBack = new Map<string, string>(); // device -> person
  private readonly ahead = new Map<string, Envelope>(); // id -> entry refused as ahead of this device's clock
  private clock: Hlc = hlc.ZERO;
  /** A meeting.setup naming `sealed` was seen (the fold decides whether it counts): only then may writes need sealing. */
  private maybeSealed = false;
  private folded: SessionState | undefined;
  private readonly folder = new Folder();
  private readonly invalid: Integrity['invalid'] = [];
  private readonly beacons = new Map<string, { beacon: SignedBeacon; receivedAt: number }>();
  /** doc+author -> claims peers made about that chain: which seq, by whom, first heard when. */
  private readonly claims = new Map<string, { seq: number; reporter: string; since: number }[]>();
  private readonly createdAt = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private readonly logListeners = new Set<() => void>();

  constructor(opts: ReplicaOptions) {
    this.tenant = opts.tenant;
    this.meeting = opts.meeting;
    this.docs = opts.docs;
    this.signer = opts.signer;
    this.now = opts.now ?? Date.now;
    this.verify = opts.verify ?? verifyHere;
    this.graceMs = opts.graceMs ?? 8000;
    this.chairSilenceMs = opts.chairSilenceMs ?? 30_000;
    this.directory = new Directory(opts.tenant, opts.tenantKey);
    this.keyring = opts.signer && opts.dh ? new Keyring(opts.tenant, opts.meeting, toHex(opts.signer.publicKey), opts.dh) : undefined;
  }

  get deviceKey(): string | undefined {
    return this.signer && toHex(this.signer.publicKey);
  }

  /**
   * Adds certificate versions (nothing held is ever dropped). `relayDirectory`: these are the relay's whole
   * directory for the tenant; a revocation held here but missing there is a rollback by the operator.
   */
  async addCerts(certs: Cert[], relayDirectory = false): Promise<void> {
    const before = this.directory.size;
    for (const c of certs) await this.directory.add(c);
    let warned = false;
    if (relayDirectory) {
      const listed = new Set(certs.map((c) => c?.sig));
      for (const c of this.directory.all())
        if (c.body.revoked !== undefined && !listed.has(c.sig) && !this.rolledBack.has(c.body.device)) {
          this.rolledBack.set(c.body.device, c.body.person);
          warned = true;
        }
    }
    if (this.directory.size !== before || warned) this.changed(); // refolds: a new version changes which entries count
  }

  /** The sync client says when it is connected: only then does silence of the chair mean something. */
  setConnected(connected: boolean): void {
    this.connectedSince = connected ? (this.connectedSince ?? this.now()) : null;
  }

  /**
   * Decode, check, verify and add envelopes. Never throws: bad ones are listed in integrity().invalid.
   * `trusted` gets the decoded candidates and names those whose signature this device verified before (a
   * checkpoint, core/checkpoint.ts); their signatures are not checked again. `checked` counts the ones that were;
   * `held` names those of `wires` the log holds now (new or known before): what the sender is known to hold.
   */
  async receive(
    wires: Uint8Array[],
    opts: { trusted?: (candidates: readonly Envelope[]) => ReadonlySet<string> } = {},
  ): Promise<{ accepted: string[]; held: string[]; rejected: { id?: string; reason: string }[]; checked: number }> {
    const accepted: string[] = [];
    const decoded: string[] = []; // ids of the wires given, for `held`
    const rejected: { id?: string; reason: string }[] = [];
    const candidates: Envelope[] = [];
    // Entries that were ahead of this device's clock are tried again: clocks differ by seconds between devices.
    const due = [...this.ahead.values()].filter((e) => e.hlc.wall <= this.now() + MAX_SKEW_MS);
    for (const e of due) this.ahead.delete(e.id);
    const given = new Set(wires);
    for (const w of [...due.map((e) => e.wire), ...wires]) {
      try {
        const e = envelope.decode(w);
        if (given.has(w)) decoded.push(e.id);
        if (this.log.has(e.id)) continue;
        const reason = this.admissible(e);
        if (reason === AHEAD && this.ahead.size < MAX_AHEAD) this.ahead.set(e.id, e);
        if (reason) rejected.push({ id: e.id, reason });
        else candidates.push(e);
      } catch (err) {
        rejected.push({ reason: (err as Error).message });
      }
    }
    const certNotes: Envelope[] = [];
    const trusted = candidates.length > 0 ? opts.trusted?.(candidates) : undefined;
    const unchecked = trusted ? candidates.filter((e) => !trusted.has(e.id)) : candidates;
    const verdicts = new Map<Envelope, boolean>();
    // The same new entry arrives over the relay and several peers at once: each signature is checked once.
    const fresh = unchecked.filter((e) => !this.verifying.has(e.id));
    if (fresh.length > 0) {
      const batch = this.verify(fresh);
      fresh.forEach((e, i) => this.verifying.set(e.id, batch.then((v) => v[i]!)));
      void batch.catch(() => {}).finally(() => fresh.forEach((e) => this.verifying.delete(e.id)));
    }
    const pending = unchecked.map((e) => this.verifying.get(e.id)!); // taken before any await: a settled check leaves the map
    (await Promise.all(pending)).forEach((ok, i) => verdicts.set(unchecked[i]!, ok));
    for (const e of candidates) {
      if (verdicts.get(e) === false) {
        rejected.push({ id: e.id, reason: 'bad signature' });
        continue;
      }
      if (this.log.add(e) !== 'duplicate') accepted.push(e.id);
      if (e.kind === CERT_NOTE) certNotes.push(e);
      if (e.kind === 'meeting.setup') this.noteSetup(e);
      this.clock = hlc.observe(this.clock, e.hlc, this.now() + MAX_SKEW_MS);
    }
    // Certificate versions recorded in the log join the directory: a relay cannot take them back.
    for (const e of certNotes) {
      const cert = certOfNote(e);
      if (cert) await this.directory.add(cert);
    }
    for (const r of rejected) this.noteInvalid({ ...r, author: undefined });
    if (accepted.length > 0 && this.invalid.length > 0) {
      const now = new Set(accepted); // admitted after all (an entry that was ahead of this device's clock)
      for (let i = this.invalid.length - 1; i >= 0; i--) if (now.has(this.invalid[i]!.id!)) this.invalid.splice(i, 1);
    }
    if (accepted.length > 0 || rejected.length > 0) this.changed();
    return { accepted, held: decoded.filter((id) => this.log.has(id)), rejected, checked: unchecked.length };
  }

  private noteSetup(e: Envelope): void {
    try {
      if ((decodeEntry(e.kind, e.payload).payload as Payload<'meeting.setup'>).meeting.sealed) this.maybeSealed = true;
    } catch {
      // not a valid setup: the fold rejects it
    }
  }

  private admissible(e: Envelope): string | undefined {
    if (e.tenant !== this.tenant || e.meeting !== this.meeting) return 'wrong tenant or meeting';
    if (!(this.docs as readonly string[]).includes(e.doc)) return `doc '${e.doc}' not readable here`;
    if (e.hlc.wall > this.now() + MAX_SKEW_MS) return AHEAD;
    const judge = this.directory.judge(toHex(e.author), e.meeting, e.doc, e.seq, e.hlc.wall);
    if (!judge) return 'unknown device (no certificate)';
    if (judge.revoked) return 'device revoked';
    if (e.hlc.wall < judge.cert.notBefore || e.hlc.wall > judge.cert.notAfter) return 'certificate not valid at entry time';
    if (e.doc === 'public' && e.deps.some((d) => this.log.get(toHex(d))?.doc === 'members'))
      return 'public entry depends on a members entry';
    return undefined;
  }

  private noteInvalid(x: Integrity['invalid'][number]): void {
    if (x.id !== undefined && this.invalid.some((y) => y.id === x.id && y.reason === x.reason)) return;
    if (this.invalid.length < MAX_INVALID) this.invalid.push(x);
  }

  /** Sign the next entry of this device and add it locally. */
  async create<K extends DomainKind>(kind: K, payload: Payload<K>, doc: DocName = 'public'): Promise<Envelope> {
    return this.append(kind, encodePayload(kind, payload), doc);
  }

  async createY(update: Uint8Array, doc: DocName): Promise<Envelope> {
    return this.append('y', update, doc);
  }

  /**
   * One append at a time: signing is asynchronous, and two appends that both read the chain's head before
   * either adds its entry would sign the same seq twice (a fork of this device's own chain).
   */
  private append(kind: string, payload: Uint8Array, doc: DocName): Promise<Envelope> {
    const run = this.appending.then(() => this.appendNow(kind, payload, doc));
    this.appending = run.catch(() => undefined);
    return run;
  }
  private appending: Promise<unknown> = Promise.resolve();

  private async appendNow(kind: string, payload: Uint8Array, doc: DocName): Promise<Envelope> {
    if (!this.signer) throw new Error('this replica has no device key: read-only');
    if (!this.docs.includes(doc)) throw new Error(`doc '${doc}' is not writable here`);
    const entry = decodeEntry(kind, payload);
    const author = this.signer.publicKey;
    const seq = (this.log.frontier()[doc]?.[toHex(author)] ?? 0) + 1;
    const plaintext = payload;
    let sealedUnder: string | undefined;
    if (this.maybeSealed && mustSeal(this.state.e2e.sealed, doc, kind)) {
      const state = this.state;
      sealedUnder = this.keyring && sealingKey(state, this.keyring, scopeOf(state, kind, entry.payload));
      if (!sealedUnder) throw new Error('sealed meeting: this device holds no key for the members\' document yet');
      payload = sealPayload({ tenant: this.tenant, meeting: this.meeting, doc, author, seq, kind }, this.keyring!.get(sealedUnder)!, payload);
    }
    const prev = seq === 1 ? envelope.ZERO_HASH : this.log.at(doc, toHex(author), seq - 1)!.hash;
    const deps = this.log.heads(doc === 'public' ? ['public'] : this.docs).filter((h) => toHex(h) !== toHex(prev));
    this.clock = hlc.tick(this.clock, this.now());
    const e = await envelope.sign(
      { tenant: this.tenant, meeting: this.meeting, doc, author, seq, prev, deps: deps.slice(-envelope.LIMITS.deps), hlc: this.clock, kind, payload },
      this.signer,
    );
    const held = sealedUnder === undefined ? e : opened(e, plaintext, sealedUnder);
    this.log.add(held);
    if (kind === 'meeting.setup') this.noteSetup(e);
    this.createdAt.set(e.id, this.now());
    this.changed();
    return held;
  }

  get state(): SessionState {
    if (!this.folded) {
      this.openHeld();
      const basis = `${this.directory.size} ${this.keyring?.size ?? 0}`; // versions and keys are only ever added
      const ordered = this.log.ordered();
      // Within one computation of the order (log.ts) the order only grows at its end.
      this.folded = this.folder.fold(ordered, this.directory, `${this.tenant}/${this.meeting}`, this.keyring, basis, this.log.orderCounts.computed);
    }
    return this.folded;
  }

  /** How often this replica folded from the start and how often it only applied new entries on top. */
  get foldCounts(): Readonly<FoldCounts> {
    return this.folder.counts;
  }

  /** Learns keys from the log's wraps and holds every sealed entry it can open in its opened form. */
  private openHeld(): void {
    const ring = this.keyring;
    if (!ring || !this.maybeSealed) return;
    ring.learn(this.log.all());
    for (const e of [...this.log.all()]) {
      if (e.doc !== 'members' || !mustSeal(true, e.doc, e.kind) || openedKey(e) !== undefined) continue;
      const key = keyOf(e.payload);
      const plaintext = key !== undefined && ring.has(key) ? ring.open(e) : undefined;
      if (plaintext) this.log.replace(opened(e, plaintext, key!));
    }
  }

  /** Whether a meeting.setup naming `sealed` was seen (the fold decides whether it counts). */
  get mayBeSealed(): boolean {
    return this.maybeSealed;
  }

  /** A content key this device just made: held at once, before its own wrap is folded. */
  holdKey(key: Uint8Array): string {
    if (!this.keyring) throw new Error('this replica has no X25519 key');
    const id = this.keyring.add(key);
    this.changed();
    return id;
  }

  frontier(): Frontier {
    return this.log.frontier();
  }

  missingFor(f: Frontier, author?: string): Envelope[] {
    return this.log.missingFor(f, author);
  }

  envelopes(): Envelope[] {
    return this.log.sendOrder();
  }

  /** A signed statement of what this device holds: of one doc, or (no doc) of every doc it reads. */
  async makeBeacon(doc?: DocName): Promise<SignedBeacon> {
    if (!this.signer) throw new Error('this replica has no device key');
    const f = this.frontier();
    const frontier = doc ? ({ [doc]: f[doc] ?? {} } as Frontier) : f;
    return beacon.make(this.tenant, this.meeting, this.signer, frontier, this.now());
  }

  /** One beacon per doc this device reads: the public one reaches the public too, and reveals nothing of members. */
  makeBeacons(): Promise<SignedBeacon[]> {
    return Promise.all(this.docs.map((d) => this.makeBeacon(d)));
  }

  /** The latest valid beacon of each device and doc scope (kept in export records as signed heads). */
  heldBeacons(): SignedBeacon[] {
    return [...this.beacons.values()].map((x) => x.beacon).sort((a, b) => (a.author + a.at < b.author + b.at ? -1 : 1));
  }

  /** Keep a peer's latest valid beacon: true for one that is valid and newer than the one held, else false. Claims about unknown authors are ignored. */
  async receiveBeacon(b: SignedBeacon): Promise<boolean> {
    if (this.ahead.size > 0) await this.receive([]); // beacons arrive every few seconds: a chance to admit what has come due
    if (b.tenant !== this.tenant || b.meeting !== this.meeting || b.author === this.deviceKey) return false;
    const chains = Object.values(b.frontier ?? {}).reduce((n, f) => n + Object.keys(f ?? {}).length, 0);
    if (chains > MAX_BEACON_CHAINS) return false;
    const cert = this.directory.get(b.author);
    if (!cert || cert.revoked !== undefined) return false;
    const scope = `${b.author} ${beaconScope(b)}`;
    const newer = () => (this.beacons.get(scope)?.beacon.at ?? -Infinity) < b.at;
    // Not newer than the one held (the chair's arrive over every link): nothing to learn, no signature to check.
    if (!newer() || !(await beacon.check(b))) return false;
    if (b.at > this.now() + MAX_SKEW_MS || !newer()) return false; // again: the same one may have been checked meanwhile
    const now = this.now();
    this.beacons.set(scope, { beacon: b, receivedAt: now });
    if (this.isChairHeads(b)) this.lastChairHeads = now;
    for (const doc of this.docs)
      for (const [author, seq] of Object.entries(b.frontier[doc] ?? {})) {
        // What this device holds already withholds nothing (integrity() drops such claims too): most claims, cheaply.
        if (seq <= this.log.contiguous(doc, author) || !this.directory.get(author)) continue;
        const key = `${doc} ${author}`;
        const list = this.claims.get(key) ?? [];
        // A claim keeps the time it was first heard: a relay cannot reset the clock by letting beacons pass.
        if (!list.some((c) => c.seq >= seq)) {
          list.push({ seq, reporter: b.author, since: now });
          this.claims.set(key, list.slice(-32));
        }
      }
    this.changed(false); // a beacon changes what the device knows of others' heads, never the fold
    return true;
  }

  /** Whether a beacon is the chair's: its author held chair or deputy in the version judging its own signed head. */
  isChairHeads(b: SignedBeacon): boolean {
    const own = b.frontier.public?.[b.author] ?? 0;
    const judged = own > 0 ? this.directory.judge(b.author, b.meeting, 'public', own, b.at) : { cert: this.directory.get(b.author)!, revoked: false };
    return !!judged?.cert && !judged.revoked && judged.cert.roles.some((x) => x === 'chair' || x === 'deputy');
  }

  /** Since when a connected device has heard no signed heads of the chair, once that exceeds the bound. */
  private chairSilence(now: number): Integrity['silentChair'] {
    // Only while the session runs: before and after it the chair's device may well be offline.
    if (this.connectedSince === null || this.state.session !== 'open') return null;
    const since = Math.max(this.connectedSince, this.lastChairHeads ?? 0);
    if (now - since < this.chairSilenceMs) return null;
    const me = this.deviceKey && this.directory.get(this.deviceKey);
    if (me && me.roles.some((r) => r === 'chair' || r === 'deputy')) return null; // the chair's own device
    // The administration took the role from every device: no heads can come, and saying the chair's line holds
    // entries back would blame the line for what the administration did.
    if (!this.anyChairDevice()) return null;
    return { since };
  }

  /** Whether some device's certificate, as it stands now, holds chair or deputy for this meeting's body. */
  private anyChairDevice(): boolean {
    const body = this.state.body?.id;
    const devices = new Set(this.directory.all().map((c) => c.body.device));
    return [...devices].some((d) => {
      const c = this.directory.get(d);
      return !!c && c.revoked === undefined && grants(c, CHAIR, body);
    });
  }

  /**
   * The other devices whose latest signed beacon says they hold entry `id` (DIS-5: how many devices a ballot
   * reached while only data channels carry the session); the author's own beacons never count.
   */
  holders(id: string): string[] {
    const e = this.log.get(id);
    if (!e) return [];
    const author = toHex(e.author);
    const out = new Set<string>();
    for (const { beacon: b } of this.beacons.values()) if (b.author !== author && (b.frontier[e.doc as DocName]?.[author] ?? 0) >= e.seq) out.add(b.author);
    return [...out].sort();
  }

  /** Devices whose valid beacon arrived here at or after `since` (ms, this device's clock): alive on some path. */
  heardFrom(since: number): string[] {
    return [...new Set([...this.beacons.values()].filter((x) => x.receivedAt >= since).map((x) => x.beacon.author))].sort();
  }

  integrity(): Integrity {
    const now = this.now();
    const mine = this.frontier() as Record<string, Record<string, number> | undefined>;
    const withheld: Integrity['withheld'] = [];
    for (const [key, list] of this.claims) {
      const [doc, author] = key.split(' ') as [DocName, string];
      const have = mine[doc]?.[author] ?? 0;
      const open = list.filter((c) => c.seq > have);
      if (open.length < list.length) this.claims.set(key, open);
      const overdue = open.filter((c) => now - c.since >= this.graceMs).sort((a, b) => b.seq - a.seq)[0];
      if (overdue) withheld.push({ doc, author, claimed: overdue.seq, have, reporter: overdue.reporter });
    }
    const unacknowledged: Integrity['unacknowledged'] = [];
    const me = this.deviceKey;
    if (me && this.beacons.size > 0) {
      for (const [id, since] of this.createdAt) {
        if (now - since < this.graceMs) continue;
        const e = this.log.get(id)!;
        const about = [...this.beacons.values()].map((x) => x.beacon).filter((b) => b.frontier[e.doc as DocName] !== undefined);
        const askedLater = about.some((b) => b.at > since + this.graceMs);
        if (this.holders(id).length === 0 && askedLater) unacknowledged.push({ entry: id, since });
      }
    }
    const rollback = [...this.rolledBack].map(([device, person]) => ({ device, person }));
    return { ...this.log.integrity(), invalid: [...this.invalid], withheld, unacknowledged, silentChair: this.chairSilence(now), rollback };
  }

  /** Any change: the log, the directory, the keys, or what beacons say of others' heads. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Changes of what the fold reads (log, directory, keys), not beacons: what the transports push on. */
  onLogChange(fn: () => void): () => void {
    this.logListeners.add(fn);
    return () => this.logListeners.delete(fn);
  }

  private changed(refold = true): void {
    if (refold) {
      this.folded = undefined;
      for (const fn of this.logListeners) fn();
    }
    for (const fn of this.listeners) fn();
  }
}

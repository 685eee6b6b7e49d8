/**
 * Entry kinds (docs/PROTOCOL.md, "Entry kinds"): the payload of every envelope, as a tagged union.
 * Domain entries carry canonical JSON validated here; `y` entries carry a raw Yjs update.
 * Which document an entry belongs in, who may make it and what it does: the kind registry (core/kinds.ts).
 */
import * as v from 'valibot';
import { canonicalJson } from '../crypto/canonical.js';
import { fromUtf8, utf8 } from '../crypto/bytes.js';
import { RULES } from './majority.js';

export const DOCS = ['public', 'members'] as const;
export type DocName = (typeof DOCS)[number];

const id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'id: 1-64 chars of A-Z a-z 0-9 _ . : -'));
const text = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max));
const strict = <T extends v.ObjectEntries>(entries: T) => v.strictObject(entries);
const hex64 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'));
const point = hex64;
const scalar = hex64;
const candidate = strict({ id, name: text(200) });
const isoDate = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date YYYY-MM-DD'));
const zeroOne = strict({ a0: point, b0: point, a1: point, b1: point, c0: scalar, z0: scalar, z1: scalar });

export const CHOICES = ['yes', 'no', 'abstain'] as const;
export type Choice = (typeof CHOICES)[number];
export const VOTE_MODES = ['open', 'roll-call', 'secret'] as const;
export type VoteMode = (typeof VOTE_MODES)[number];
export const BODY_TYPES = ['rat', 'ausschuss', 'bezirksvertretung'] as const;

export const schemas = {
  /** Meeting setup by an admin device: body, factions, persons with their seat, the meeting itself. */
  'meeting.setup': strict({
    body: strict({
      id,
      name: text(200),
      type: v.picklist(BODY_TYPES),
      statutoryMembers: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
      /** Who enters a run-off when several tie for a place (core/election.ts); default 'lot'. */
      runoffTie: v.optional(v.picklist(['lot', 'all'])),
      /** Committees: Haupt-, Finanz- and Rechnungsprüfungsausschuss may not meet hybrid under § 58a. */
      committeeKind: v.optional(v.picklist(['haupt', 'finanz', 'rechnungspruefung', 'other'])),
    }),
    factions: v.pipe(v.array(strict({ id, name: text(120) })), v.maxLength(50)),
    persons: v.pipe(
      v.array(strict({ id, name: text(200), faction: v.nullable(id), voting: v.boolean() })),
      v.maxLength(1000),
    ),
    meeting: strict({
      id,
      title: text(300),
      start: v.pipe(v.number(), v.integer(), v.minValue(0)),
      place: text(200),
      /** LEG-1: the form of the meeting and, for digital or hybrid under § 47a, the council decision it rests on. */
      format: v.optional(v.picklist(['in-person', 'hybrid', 'digital'])),
      basis: v.optional(id),
      /** End-to-end encryption (core/sealed.ts): every members' entry but `keys.wrap` is sealed; once set, for good. */
      sealed: v.optional(v.literal(true)),
    }),
  }),
  /** LEG-1: a council decision on the exceptional situation (§ 47a GO NRW), recorded by the administration. */
  'legal.decision': strict({
    id,
    decidedAt: isoDate,
    validUntil: isoDate,
    yes: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)),
    statutoryMembers: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
    extends: v.optional(id),
    bodies: v.optional(v.pipe(v.array(id), v.maxLength(100))),
  }),
  /** LEG-1: the Hauptsatzung clause that allows hybrid committee meetings (§ 58a GO NRW). */
  'legal.clause': strict({ allowsHybridCommittees: v.boolean(), adoptedAt: isoDate }),
  'session.open': strict({}),
  'session.close': strict({}),
  /**
   * The current item. For a non-public item the chair writes `{item: null, nonPublic: true}` to the public
   * document (the public learns only that a non-public part runs, not which item) and the item to the members'.
   */
  'item.current': strict({
    item: v.nullable(id),
    nonPublic: v.optional(v.literal(true)),
    /** With the marker only: the item's bare number (PUB-5) and who is excluded for a conflict of interest (BEF-1). */
    no: v.optional(text(16)),
    excluded: v.optional(v.pipe(v.array(id), v.maxLength(1000))),
  }),
  /** A member checks in (self) or the chair/assistant checks someone in (on-site). */
  'attendance.in': strict({ person: id, place: v.picklist(['remote', 'onsite']) }),
  'attendance.out': strict({ person: id }),
  /**
   * `rule`: the majority a decision needs (default GO NRW § 50 Abs. 1). Elections (`kind: 'election'`) name
   * their candidates; a run-off names the round it follows. Secret votes name the meeting key (`key.setup`);
   * `publicResult: false` (the body decided the result stays non-public) needs the members document.
   */
  'vote.open': strict({
    vote: id,
    item: v.nullable(id),
    title: text(300),
    mode: v.picklist(VOTE_MODES),
    rule: v.optional(v.picklist(RULES)),
    kind: v.optional(v.picklist(['decision', 'election'])),
    candidates: v.optional(v.pipe(v.array(candidate), v.maxLength(50))),
    runoffOf: v.optional(id),
    key: v.optional(id),
    publicResult: v.optional(v.boolean()),
    /** DIS-2: the impaired vote this one repeats (a new round; the impaired one stays, marked void). */
    repeats: v.optional(id),
  }),
  /** A candidate added to an election before its first ballot (VOTE-9). */
  'vote.candidate': strict({ vote: id, candidate }),
  /** An open or roll-call ballot: yes/no/abstain, or in an election a candidate id, 'no' or 'abstain'. */
  'vote.cast': strict({ vote: id, choice: id }),
  /** A secret ballot: one ElGamal ciphertext per option with proofs (crypto/ballot.ts). */
  'vote.ballot': strict({
    vote: id,
    cts: v.pipe(v.array(strict({ a: point, b: point })), v.minLength(1), v.maxLength(51)),
    proofs: v.pipe(v.array(zeroOne), v.maxLength(51)),
    sum: zeroOne,
  }),
  'vote.close': strict({ vote: id }),
  /** A trustee's partial decryption of the closed tally, with proofs (crypto/threshold.ts). */
  'vote.partial': strict({
    vote: id,
    shares: v.pipe(v.array(point), v.maxLength(51)),
    proofs: v.pipe(v.array(strict({ u: point, v: point, z: scalar })), v.maxLength(51)),
  }),
  /** The chair moves a vote to postal ballot (VOTE-5) … */
  'vote.postal': strict({ vote: id, reason: text(500) }),
  /** … and later enters the counted result: counts per option ('abstain' included). */
  'vote.result': strict({ vote: id, counts: v.pipe(v.record(id, v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100000))), v.check((r) => Object.keys(r).length <= 53, 'counts: too many options')) }),
  /** A lot (GO NRW § 50 Abs. 2, core/lot.ts): the chair names the drawers; they commit, then reveal. */
  'lot.open': strict({ vote: id, drawers: v.pipe(v.array(id), v.minLength(1), v.maxLength(9)) }),
  'lot.commit': strict({ vote: id, commitment: hex64 }),
  'lot.reveal': strict({ vote: id, reveal: hex64 }),
  /** The trustees of a meeting key for secret ballots and how many of them decrypt (t of n). */
  'key.setup': strict({ key: id, trustees: v.pipe(v.array(id), v.minLength(1), v.maxLength(9)), threshold: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(9)) }),
  /** Distributed key generation (crypto/threshold.ts): commitments, encrypted shares, acknowledgement. */
  'key.commit': strict({ key: id, enc: point, commitments: v.pipe(v.array(point), v.minLength(1), v.maxLength(9)), pok: strict({ t: point, z: scalar }) }),
  'key.shares': strict({ key: id, shares: v.pipe(v.array(strict({ to: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(9)), ct: hex64 })), v.maxLength(8)) }),
  'key.ok': strict({ key: id }),
  'key.complaint': strict({ key: id, against: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(9)), reason: text(300) }),
  /** A member acknowledges the security handbook (SEC-2) or the privacy information (DS-1), naming the text's hash. */
  'handbook.ack': strict({ kind: v.picklist(['security', 'privacy']), version: hex64 }),
  /**
   * A certificate version (typically a revocation) recorded in the meeting's log by the chair's or the
   * administration's device, so that an operator who writes an older certificate back is caught: the
   * version is part of the signed, hash-chained record (core/replica.ts adds it to the directory).
   */
  'cert.note': strict({ cert: v.strictObject({ body: v.record(v.string(), v.unknown()), sig: v.pipe(v.string(), v.regex(/^[0-9a-f]{128}$/)) }) }),
  /** VID-2: a member asks for the floor (self) or the chair puts someone on the speakers list. */
  'floor.ask': strict({ person: id }),
  /** VID-2: a request leaves the speakers list (the member withdraws it, or the chair strikes it). */
  'floor.cancel': strict({ person: id }),
  /** VID-2: the chair gives the floor (from the list in order, or out of order): the speaker's sound is unmuted, the public picture switches. */
  'floor.give': strict({ person: id }),
  /** VID-2: the chair withdraws the floor from its holder: the holder's sound is muted by order. */
  'floor.end': strict({}),
  /** VID-2: the chair mutes a participant's sound or stops their picture (`on: false`), or lifts the order (`on: true`). */
  'media.order': strict({ person: id, media: v.picklist(['audio', 'video']), on: v.boolean() }),
  /** VID-2: the chair removes a participant from the video room for the rest of the item or the session (a ban, not a kick) … */
  'participant.remove': strict({ person: id, scope: v.picklist(['item', 'session']), reason: v.optional(text(300)) }),
  /** … and readmits them. */
  'participant.readmit': strict({ person: id }),
  /** VID-2: the chair locks the video room (no new joins; those inside stay) or unlocks it. */
  'room.lock': strict({ locked: v.boolean() }),
  /** DS-3: whether the body's Hauptsatzung allows recording sessions, where recordings are kept and for how long (admin). */
  'legal.recording': strict({ allowed: v.boolean(), storage: text(300), retentionDays: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650)) }),
  /** DS-3: the chair or a recorder starts or stops the recording of the session. */
  'recording.start': strict({}),
  'recording.stop': strict({}),
  /** VOTE-7: the chair records the ballot of a member present on site without a device (marked as such). */
  'vote.onsite': strict({ vote: id, person: id, choice: id }),
  /** A conflict of interest (GO NRW §§ 31, 43): the member takes no part in votes on the item. */
  'conflict.declare': strict({ person: id, item: id }),
  /** BEF-1: the chair confirms (or rejects) a declared conflict before the item is called. */
  'conflict.confirm': strict({ person: id, item: id, confirmed: v.boolean() }),
  /** PUB-6: the chair reminds everyone of the duty of confidentiality before a non-public part. */
  'confidentiality.remind': strict({}),
  /** PUB-6: a remote member confirms that no third party can see or hear. */
  'confidentiality.confirm': strict({ person: id }),
  /** PUB-6: the chair records who did not confirm, so the non-public part may start. */
  'confidentiality.missing': strict({ persons: v.pipe(v.array(id), v.minLength(1), v.maxLength(1000)) }),
  /** DIS-3, DIS-4: the body's settings for disruptions (admin): the report window after a drop and the second reporting channel. */
  'disruption.rules': strict({ reportMinutes: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1440)), phone: v.optional(text(100)), email: v.optional(text(200)) }),
  /** AV-2, DIS-2, DIS-4: a member's connection quality as their own device or the chair's (from the relay's presence) saw it; on change only. */
  'quality.report': strict({ person: id, quality: v.picklist(['good', 'fair', 'poor', 'lost']) }),
  /** DIS-1: a member objects to a disruption of picture or sound (rügt); the chair enters a report received by the second channel, naming it. */
  'disruption.report': strict({ id, person: id, media: v.picklist(['picture', 'sound', 'both']), channel: v.optional(v.picklist(['phone', 'email', 'other'])), note: v.optional(text(500)) }),
  /** DIS-1: the chair records an attempt to fix an open disruption. */
  'disruption.fix': strict({ id, note: text(500) }),
  /** DIS-1: the chair classifies an open disruption: fixed, irrelevant, or the member's own responsibility, with the reason. */
  'disruption.resolve': strict({ id, outcome: v.picklist(['fixed', 'irrelevant', 'own']), reason: text(500) }),
  /** MIN-2: the chair or the minute-taker signs the minutes, naming minutesHash of the minutes data (core/minutes.ts). */
  'minutes.sign': strict({ hash: hex64 }),
  /** PUB-4: the chair records a resident's question of the question time (its number and text, never the name) and whether it was answered. */
  'question.mark': strict({ question: id, no: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10000)), text: text(2000), answered: v.boolean() }),
  /**
   * A content key (`key`: its 16-byte id) wrapped for one device (`to`, at its X25519 key `dh`): the meeting key
   * (`item: null`) or a non-public item's key. The first wrap of a key creates it (core/rules/keys.ts).
   */
  'keys.wrap': strict({
    key: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/, 'expected 32 lower-case hex digits')),
    item: v.nullable(id),
    to: hex64,
    dh: hex64,
    epk: hex64,
    ct: v.pipe(v.string(), v.regex(/^[0-9a-f]{96}$/, 'expected 96 lower-case hex digits')),
  }),
} as const;

/** A certificate version recorded in the meeting's log (`cert.note`), so that no relay can take it back. */
export const CERT_NOTE = 'cert.note';

export type DomainKind = keyof typeof schemas;
export type Payload<K extends DomainKind> = v.InferOutput<(typeof schemas)[K]>;
export type DomainEntry = { [K in DomainKind]: { kind: K; payload: Payload<K> } }[DomainKind];
/** A Yjs update to the envelope's document (agenda lives in Y.Array 'agenda' of Y.Map items). */
export type YEntry = { kind: 'y'; payload: Uint8Array };
export type Entry = DomainEntry | YEntry;

export const KINDS = ['y', ...Object.keys(schemas)] as readonly string[];
export const isDomainKind = (k: string): k is DomainKind => Object.hasOwn(schemas, k);

export class PayloadError extends Error {
  override name = 'PayloadError';
}

/** Entries only an admin makes: the audit log lists them (SEC-4); test/core/kinds.test.ts checks them against the registry. */
export const ADMIN_KINDS = ['meeting.setup', 'legal.decision', 'legal.clause', 'legal.recording', 'disruption.rules'] as const;

/** Decode and validate a payload. Throws PayloadError with an English reason. */
export function decodeEntry(kind: string, payload: Uint8Array): Entry {
  if (kind === 'y') return { kind, payload };
  if (!isDomainKind(kind)) throw new PayloadError(`unknown entry kind '${kind}'`);
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(payload));
  } catch {
    throw new PayloadError(`${kind}: payload is not UTF-8 JSON`);
  }
  const r = v.safeParse(schemas[kind], json);
  if (!r.success) throw new PayloadError(`${kind}: ${r.issues.map((i) => i.message).join('; ')}`);
  if (canonicalJson(json) !== fromUtf8(payload)) throw new PayloadError(`${kind}: payload is not canonical JSON`);
  return { kind, payload: r.output } as DomainEntry;
}

export function encodePayload<K extends DomainKind>(kind: K, payload: Payload<K>): Uint8Array {
  const r = v.safeParse(schemas[kind], payload);
  if (!r.success) throw new PayloadError(`${kind}: ${r.issues.map((i) => i.message).join('; ')}`);
  return utf8(canonicalJson(payload));
}

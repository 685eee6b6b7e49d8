/**
 * Entry kinds (docs/PROTOCOL.md, "Entry kinds"): the payload of every envelope, as a tagged union.
 * Domain entries carry canonical JSON validated here; `y` entries carry a raw Yjs update.
 * Who may make which entry is decided in the fold (core/fold.ts), not here.
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

export const CHOICES = ['yes', 'no', 'abstain'] as const;
export type Choice = (typeof CHOICES)[number];
export const VOTE_MODES = ['open', 'roll-call'] as const;
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
    }),
    factions: v.pipe(v.array(strict({ id, name: text(120) })), v.maxLength(50)),
    persons: v.pipe(
      v.array(strict({ id, name: text(200), faction: v.nullable(id), voting: v.boolean() })),
      v.maxLength(1000),
    ),
    meeting: strict({ id, title: text(300), start: v.pipe(v.number(), v.integer(), v.minValue(0)), place: text(200) }),
  }),
  'session.open': strict({}),
  'session.close': strict({}),
  'item.current': strict({ item: v.nullable(id) }),
  /** A member checks in (self) or the chair/assistant checks someone in (on-site). */
  'attendance.in': strict({ person: id, place: v.picklist(['remote', 'onsite']) }),
  'attendance.out': strict({ person: id }),
  /** `rule`: the majority the decision needs (default GO NRW § 50 Abs. 1, majority of votes cast). */
  'vote.open': strict({ vote: id, item: v.nullable(id), title: text(300), mode: v.picklist(VOTE_MODES), rule: v.optional(v.picklist(RULES)) }),
  'vote.cast': strict({ vote: id, choice: v.picklist(CHOICES) }),
  'vote.close': strict({ vote: id }),
} as const;

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

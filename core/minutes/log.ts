/**
 * The log as the minutes read it: each entry with its decoded payload and whether the fold applied it (the
 * state lacks some facts, such as when each item was called; the minutes take those from applied entries).
 * `minutes.sign` entries are left out: the minutes are what they sign.
 */
import { fromUtf8, toHex } from '../../crypto/bytes.js';
import type { Envelope } from '../../crypto/envelope.js';
import { hashString } from '../../crypto/hash.js';
import { preds } from '../log.js';
import type { SessionState } from '../state.js';

/** The entry kind chair and minute-taker sign the minutes with (payload `{hash}`, core/minutes.ts minutesHash). */
export const SIGN_KIND = 'minutes.sign';

export interface LogEntry {
  e: Envelope;
  kind: string;
  doc: 'public' | 'members';
  /** The decoded JSON payload of a domain entry; null for `y` entries and payloads that do not decode. */
  payload: Record<string, unknown> | null;
  applied: boolean;
  /** The person of the author's certificate (null when the caller's certificates do not name the device). */
  person: string | null;
}

/** The person a device key (hex) belongs to, by the record's certificates. */
export type PersonOf = (device: string) => string | undefined;

export interface MinutesLog {
  entries: LogEntry[];
  /** Applied entries of the given kinds, in fold order. */
  applied(...kinds: string[]): LogEntry[];
}

export function payloadOf(e: Envelope): Record<string, unknown> | null {
  if (e.kind === 'y') return null;
  try {
    const v = JSON.parse(fromUtf8(e.payload)) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function logOf(ordered: readonly Envelope[], state: SessionState, personOf: PersonOf): MinutesLog {
  const rejected = new Set(state.rejected.map((r) => r.entry));
  const entries = ordered
    .filter((e) => e.kind !== SIGN_KIND)
    .map((e): LogEntry => ({ e, kind: e.kind, doc: e.doc === 'members' ? 'members' : 'public', payload: payloadOf(e), applied: !rejected.has(e.id), person: personOf(toHex(e.author)) ?? null }));
  return {
    entries,
    applied: (...kinds) => entries.filter((x) => x.applied && kinds.includes(x.kind)),
  };
}

/**
 * The head of a set of envelopes: hex SHA-256 of "ratsraum/record-head/v1" and, one per line, the sorted ids
 * of the envelopes no other envelope of the set names as `prev` or `dep`.
 */
export function recordHead(envelopes: readonly Envelope[]): string {
  const named = new Set<string>();
  for (const e of envelopes) for (const p of preds(e)) named.add(p);
  const heads = [...new Set(envelopes.map((e) => e.id))].filter((id) => !named.has(id)).sort();
  return hashString(['ratsraum/record-head/v1', ...heads].join('\n'));
}

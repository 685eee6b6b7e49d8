/**
 * The minutes (Niederschrift, MIN-2) as a fold: one deterministic function from the folded session state and
 * the verified log to a data model that the PDF (relay/minutes-pdf.ts), the browser and `ratsraum verify`
 * render or compare. Every section is one module under core/minutes/ in the registry below, so a new entry
 * kind adds its section in one place. Sections speak in blocks (fields, tables, text, draft slots), so a
 * renderer draws every section, present and future, the same way.
 *
 * The minute-taker's text parts (debate summaries, statements) are passed in as `texts`, keyed by the draft
 * slots' keys (`draftTexts` reads them from the members document's Y.Map('minutes')). Chair and minute-taker
 * sign `minutesHash` of the final minutes in a `minutes.sign {hash}` entry; the minutes exclude those entries
 * (and `head` is taken without them), so every signer signs the same hash.
 */
import { canonicalJson, type Json } from '../crypto/canonical.js';
import type { Envelope } from '../crypto/envelope.js';
import { hashString } from '../crypto/hash.js';
import { type Lang, labels } from './minutes/labels.js';
import { logOf, type PersonOf, recordHead, SIGN_KIND } from './minutes/log.js';
import { SECTIONS } from './minutes/registry.js';
import type { SessionState } from './state.js';

export { draftTexts, DRAFT_MAP } from './minutes/draft.js';
export { recordHead, SIGN_KIND } from './minutes/log.js';
export { signaturesOf, type MinutesSignature } from './minutes/signatures.js';
export { minutesRecord, RECORD_FORMAT, type CertsOf, type MinutesRecord } from './minutes/record.js';
export type { Lang } from './minutes/labels.js';
export type { PersonOf } from './minutes/log.js';

export const MINUTES_FORMAT = 'ratsraum-minutes/v1';

/** What a section draws: labelled values, a table (with a header row, repeated on every page), a sub-heading, text, or a slot of the draft. */
export type Block =
  | { type: 'fields'; rows: [label: string, value: string][] }
  | { type: 'table'; caption?: string; head: string[]; rows: string[][] }
  | { type: 'heading'; text: string }
  | { type: 'text'; text: string }
  /** A text part of the minute-taker's draft: `key` in Y.Map('minutes'); `text` is '' while nothing is written. */
  | { type: 'draft'; key: string; label: string; text: string };

export interface MinutesSection {
  id: string;
  title: string;
  blocks: Block[];
  /** The section's facts as data (times in ms, ids, counts), for machines; `blocks` say the same for readers. */
  facts: Json;
}

export interface Minutes {
  format: typeof MINUTES_FORMAT;
  lang: Lang;
  tenant: string;
  meeting: string;
  title: string;
  /** recordHead of the log without `minutes.sign` entries: the record these minutes were made from. */
  head: string;
  /** Entries of that log, and how many of them the fold applied. */
  entries: number;
  applied: number;
  sections: MinutesSection[];
}

export interface MinutesOptions {
  /** The verified log in fold order (Replica.log.ordered()), both documents for the whole minutes. */
  log: readonly Envelope[];
  /** The person of a device key (hex), from the record's certificates: `(d) => replica.directory.get(d)?.person`. */
  personOf: PersonOf;
  /** The draft's text parts by slot key (see draftTexts). */
  texts?: Record<string, string>;
  lang?: Lang;
}

export function minutesOf(state: SessionState, opts: MinutesOptions): Minutes {
  const lang = opts.lang ?? 'de';
  const L = labels(lang);
  const log = logOf(opts.log, state, opts.personOf);
  const ctx = { L, lang, texts: opts.texts ?? {}, log };
  const sections: MinutesSection[] = [];
  for (const spec of SECTIONS) {
    const part = spec.from(state, log, ctx);
    if (part) sections.push({ id: spec.id, title: spec.title(L), ...part });
  }
  const first = opts.log[0];
  return {
    format: MINUTES_FORMAT,
    lang,
    tenant: first?.tenant ?? '',
    meeting: first?.meeting ?? '',
    title: L.title(state.body?.name ?? '', state.meeting?.title ?? ''),
    head: recordHead(opts.log.filter((e) => e.kind !== SIGN_KIND)),
    entries: log.entries.length,
    applied: log.entries.filter((x) => x.applied).length,
    sections,
  };
}

/** Hex SHA-256 over the canonical JSON of the minutes: what `minutes.sign` signs. */
export const minutesHash = (m: Minutes): string => hashString(canonicalJson(m as unknown as Json));

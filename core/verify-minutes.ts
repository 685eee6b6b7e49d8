/**
 * `ratsraum verify <record> --minutes`: whether a minutes record (the PDF's `minutes.json`, core/minutes/record.ts)
 * is exactly what the verified export record yields. The record is checked first (core/export.ts); then it is
 * folded once more to recompute the minutes, their hash, the log's head and the signatures, and each is
 * compared with what the minutes record says. The PDF's visible text is compared by relay/minutes-pdf-read.ts.
 */
import { canonicalJson, type Json } from '../crypto/canonical.js';
import { fromBase64, fromHex } from '../crypto/bytes.js';
import type { Cert } from '../crypto/cert.js';
import { type DocName } from './entries.js';
import { type ExportRecord, verifyExport, type VerifyOptions, type VerifyReport } from './export.js';
import { minutesHash, type MinutesRecord, minutesRecord, RECORD_FORMAT } from './minutes.js';
import { Replica } from './replica.js';

export interface MinutesCheck {
  report: VerifyReport; // the record's own check
  problems: string[]; // English, one line each: where the minutes record and the export record disagree
  notes: string[]; // facts worth printing that are no failure (a signature of another version)
  expected: MinutesRecord | null; // the minutes record the export yields
}

/** Paths where two JSON values differ, at most `max`, in document order. */
export function differences(a: unknown, b: unknown, path = '', max = 5, out: string[] = []): string[] {
  if (out.length >= max) return out;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a) ? [...Array(Math.max(a.length, (b as unknown[]).length)).keys()].map(String) : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k, max, out);
    return out;
  }
  if (canonical(a) !== canonical(b)) out.push(`${path || '(top)'}: the minutes say ${show(a)}, the record gives ${show(b)}`);
  return out;
}
const canonical = (x: unknown) => (x === undefined ? 'undefined' : canonicalJson(x as Json));
const show = (x: unknown) => {
  const s = x === undefined ? 'nothing' : JSON.stringify(x);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** A readable place for a path into the minutes: "section 'votes' (Abstimmungen und Wahlen), …". */
function where(m: MinutesRecord, path: string): string {
  const sec = /^minutes\.sections\[(\d+)\]/.exec(path);
  const s = sec ? m.minutes.sections[Number(sec[1])] : undefined;
  return s ? `section '${s.id}' (${s.title}): ${path}` : path;
}

/** A replica holding a record that passed verifyExport (after the fact: no clock bound). */
export async function foldRecord(rec: ExportRecord): Promise<Replica> {
  const r = new Replica({ tenant: rec.tenant, meeting: rec.meeting, tenantKey: fromHex(rec.tenantKey, 32), docs: rec.docs as DocName[], now: () => Number.MAX_SAFE_INTEGER });
  await r.addCerts(rec.certs as Cert[]);
  await r.receive(rec.envelopes.map(fromBase64));
  return r;
}

export async function verifyMinutes(record: unknown, claimed: unknown, opts: VerifyOptions = {}): Promise<MinutesCheck> {
  const report = await verifyExport(record, opts);
  const problems: string[] = [];
  const notes: string[] = [];
  if (report.verdict === 'failed') return { report, problems: ['the export record itself fails its check, so no minutes can rest on it'], notes, expected: null };
  const m = claimed as MinutesRecord;
  if (!m || typeof m !== 'object' || m.format !== RECORD_FORMAT || !m.minutes || typeof m.hash !== 'string')
    return { report, problems: [`the minutes carry no ${RECORD_FORMAT} data`], notes, expected: null };
  // The record passed verifyExport: fold it again to hold its log and certificates.
  const r = await foldRecord(record as ExportRecord);
  const expected = minutesRecord(r.state, [...r.log.ordered()], r.directory, m.minutes.lang === 'en' ? 'en' : 'de');
  if (minutesHash(m.minutes) !== m.hash) problems.push(`hash: the minutes name the hash ${m.hash}, but their own data hashes to ${minutesHash(m.minutes)}`);
  if (m.recordHead !== expected.recordHead) problems.push(`head: the minutes were made from a log with head ${m.recordHead}; this record's head is ${expected.recordHead} (another or a changed record)`);
  for (const d of differences(m.minutes, expected.minutes, 'minutes')) problems.push(`minutes differ from the record in ${where(m, d)}`);
  const held = new Map(expected.signatures.map((s) => [s.entry, s]));
  for (const s of Array.isArray(m.signatures) ? m.signatures : []) {
    const h = held.get(s?.entry);
    if (!h) problems.push(`signature: the minutes show a signature by ${s?.name ?? '?'} (entry ${s?.entry ?? '?'}) that the record does not hold`);
    else if (canonical(h) !== canonical(s)) problems.push(`signature: entry ${s.entry} differs from the record's (${differences(s, h).join('; ')})`);
  }
  const shown = new Set((Array.isArray(m.signatures) ? m.signatures : []).map((s) => s?.entry));
  for (const s of expected.signatures) {
    if (!shown.has(s.entry)) problems.push(`signature: the record holds a signature by ${s.name} (entry ${s.entry}) that the minutes do not show`);
    if (s.hash !== expected.hash) notes.push(`signature by ${s.name} (entry ${s.entry}) signs ${s.hash}, another version than these minutes (${expected.hash})`);
  }
  return { report, problems, notes, expected };
}

/// <reference lib="webworker" />
/**
 * The record check off the main thread: reads the chosen file, runs the same verifyExport as `ratsraum
 * verify` (core/export.ts) and reports its progress, then the summary the page shows. With minutes (a minutes
 * PDF or its `minutes.json`), the same check of their data as `ratsraum verify --minutes` (core/verify-minutes.ts).
 */
import { PDFDocument } from 'pdf-lib';
import { verifyExport, type VerifyProgress } from '../../../core/export.js';
import { minutesAttachment } from '../../../core/minutes/attachment.js';
import { verifyMinutes } from '../../../core/verify-minutes.js';
import { type CheckSummary, type MinutesSummary, summarize } from './summary.js';

export interface CheckRequest {
  file: Blob;
  tenantKey?: string;
  /** A minutes PDF or the minutes record JSON, checked against the record. */
  minutes?: Blob;
}

export type CheckMessage = ({ type: 'progress' } & VerifyProgress) | { type: 'done'; summary: CheckSummary } | { type: 'unreadable'; message: string } | { type: 'error'; message: string };

const post = (m: CheckMessage) => postMessage(m);

/** The minutes data of a PDF (its attachment) or of a JSON file; `problem` when there is none to read. */
async function readMinutes(blob: Blob): Promise<{ data: unknown; pdf: boolean; problem?: string }> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const pdf = String.fromCharCode(...bytes.slice(0, 5)) === '%PDF-';
  try {
    if (!pdf) return { data: JSON.parse(new TextDecoder().decode(bytes)), pdf };
    const data = minutesAttachment(await PDFDocument.load(bytes, { updateMetadata: false }));
    return data === undefined ? { data, pdf, problem: 'the PDF has no attachment minutes.json: it is no Ratsraum minutes PDF' } : { data, pdf };
  } catch (e) {
    return { data: undefined, pdf, problem: `the minutes file cannot be read: ${(e as Error).message}` };
  }
}

self.onmessage = async (msg: MessageEvent<CheckRequest>) => {
  const { file, tenantKey, minutes } = msg.data;
  let record: unknown;
  try {
    record = JSON.parse(await file.text());
  } catch (e) {
    return post({ type: 'unreadable', message: (e as Error).message });
  }
  try {
    const opts = { tenantKey, onProgress: (p: VerifyProgress) => post({ type: 'progress', ...p }) };
    let m: MinutesSummary | null = null;
    let report;
    if (minutes) {
      const read = await readMinutes(minutes);
      const check = await verifyMinutes(record, read.data, opts);
      report = check.report;
      const problems = read.problem ? [read.problem] : check.problems;
      m = { ok: problems.length === 0, pdf: read.pdf, problems, notes: check.notes, hash: check.expected?.hash ?? null, signatures: check.expected?.signatures.length ?? 0 };
    } else report = await verifyExport(record, opts);
    const r = record as { tenant?: unknown; meeting?: unknown };
    const ref = typeof r.tenant === 'string' && typeof r.meeting === 'string' ? { tenant: r.tenant, meeting: r.meeting } : null;
    post({ type: 'done', summary: { ...summarize(report, tenantKey, ref), minutes: m } });
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
  }
};

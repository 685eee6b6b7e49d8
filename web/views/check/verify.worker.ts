/// <reference lib="webworker" />
/**
 * The record check off the main thread: reads the chosen file, runs the same verifyExport as `ratsraum
 * verify` (core/export.ts) and reports its progress, then the summary the page shows.
 */
import { verifyExport, type VerifyProgress } from '../../../core/export.js';
import { type CheckSummary, summarize } from './summary.js';

export interface CheckRequest {
  file: Blob;
  tenantKey?: string;
}

export type CheckMessage = ({ type: 'progress' } & VerifyProgress) | { type: 'done'; summary: CheckSummary } | { type: 'unreadable'; message: string } | { type: 'error'; message: string };

const post = (m: CheckMessage) => postMessage(m);

self.onmessage = async (msg: MessageEvent<CheckRequest>) => {
  const { file, tenantKey } = msg.data;
  let record: unknown;
  try {
    record = JSON.parse(await file.text());
  } catch (e) {
    return post({ type: 'unreadable', message: (e as Error).message });
  }
  try {
    const report = await verifyExport(record, { tenantKey, onProgress: (p) => post({ type: 'progress', ...p }) });
    const r = record as { tenant?: unknown; meeting?: unknown };
    const ref = typeof r.tenant === 'string' && typeof r.meeting === 'string' ? { tenant: r.tenant, meeting: r.meeting } : null;
    post({ type: 'done', summary: summarize(report, tenantKey, ref) });
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
  }
};

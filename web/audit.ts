/** Runs the secret-ballot audit of this device's log in a worker (web/audit.worker.ts). */
import type { AuditReport } from '../core/audit.js';
import type { Session } from './session.js';

export interface AuditResult {
  report: AuditReport;
  unsigned: string[]; // entries whose signature failed: counted as missing by the audit
}

export function runAudit(s: Session, onProgress: (done: number, total: number) => void): Promise<AuditResult> {
  const worker = new Worker(new URL('./audit.worker.ts', import.meta.url), { type: 'module' });
  const wires = [...s.replica.log.ordered()].map((e) => e.wire);
  return new Promise((resolve, reject) => {
    worker.onmessage = (m: MessageEvent) => {
      const d = m.data as { type: 'progress'; done: number; total: number } | ({ type: 'done' } & AuditResult) | { type: 'error'; message: string };
      if (d.type === 'progress') return onProgress(d.done, d.total);
      worker.terminate();
      if (d.type === 'done') resolve({ report: d.report, unsigned: d.unsigned });
      else reject(new Error(d.message));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message));
    };
    worker.postMessage({ ref: s.ref, state: s.state(), wires });
  });
}

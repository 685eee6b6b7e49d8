/** Starts the record check in its worker (verify.worker.ts); one worker per check, ended with it. */
import type { VerifyProgress } from '../../../core/export.js';
import type { CheckSummary } from './summary.js';
import type { CheckMessage, CheckRequest } from './verify.worker.js';

export type CheckOutcome = { kind: 'done'; summary: CheckSummary } | { kind: 'unreadable'; message: string };

export function runCheck(req: CheckRequest, onProgress: (p: VerifyProgress) => void): Promise<CheckOutcome> {
  const worker = new Worker(new URL('./verify.worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (m: MessageEvent<CheckMessage>) => {
      const d = m.data;
      if (d.type === 'progress') return onProgress(d);
      worker.terminate();
      if (d.type === 'done') resolve({ kind: 'done', summary: d.summary });
      else if (d.type === 'unreadable') resolve({ kind: 'unreadable', message: d.message });
      else reject(new Error(d.message));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message));
    };
    worker.postMessage(req);
  });
}

/** Worker of bench/secret.ts (Node worker_threads and Chromium Web Worker): checks one slice of ballots. */
import { checkBallots } from './secret-steps.js';

type Job = { e: Parameters<typeof checkBallots>[0]; from: number; to: number };
const handle = (job: Job) => checkBallots(job.e, job.from, job.to, true);

if (typeof self !== 'undefined' && 'postMessage' in self && typeof (globalThis as { process?: unknown }).process === 'undefined') {
  self.onmessage = (m: MessageEvent<Job>) => postMessage(handle(m.data));
} else {
  const { parentPort } = await import('node:worker_threads');
  parentPort!.on('message', (job: Job) => parentPort!.postMessage(handle(job)));
}

/// <reference lib="webworker" />
/**
 * The one-click check (VOTE-4) off the main thread: signatures of the ballots and decryptions, then every
 * proof, the sum and the decryption (core/audit.ts), reporting progress as it goes.
 */
import * as envelope from '../crypto/envelope.js';
import { auditSecretVotes } from '../core/audit.js';
import type { SessionState } from '../core/state.js';

export interface AuditRequest {
  ref: string;
  state: SessionState;
  wires: Uint8Array[];
}

self.onmessage = async (msg: MessageEvent<AuditRequest>) => {
  const { ref, state, wires } = msg.data;
  try {
    const log = wires.map((w) => envelope.decode(w));
    const unsigned: string[] = [];
    for (const e of log) if ((e.kind === 'vote.ballot' || e.kind === 'vote.partial') && !(await envelope.verifySignature(e))) unsigned.push(e.id);
    const report = auditSecretVotes(ref, state, log.filter((e) => !unsigned.includes(e.id)), {
      onProgress: (done, total) => postMessage({ type: 'progress', done, total }),
    });
    postMessage({ type: 'done', report, unsigned });
  } catch (e) {
    postMessage({ type: 'error', message: (e as Error).message });
  }
};

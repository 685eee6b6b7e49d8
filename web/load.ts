/**
 * A meeting's cold start on this device: the envelopes kept in IndexedDB into a replica, checking only the
 * signatures the device's own checkpoint does not vouch for (core/checkpoint.ts), the rest in Web Workers on all
 * cores (web/verify-pool.ts); and the checkpoint kept anew after each store of envelopes.
 */
import { toHex } from '../crypto/bytes.js';
import type { Signer } from '../crypto/ed25519.js';
import * as checkpoint from '../core/checkpoint.js';
import type { Replica } from '../core/replica.js';
import * as idb from './store/idb.js';
import { VerifyPool } from './verify-pool.js';

export const verifyPool = () => new VerifyPool({ spawn: () => new Worker(new URL('./verify.worker.ts', import.meta.url), { type: 'module' }) });

/** `make` builds the replica (certificates added) with the pool's verifier; called again if the checkpoint is discarded. */
export async function loadMeeting(tenant: string, meeting: string, signer: Signer | undefined, make: (verify: VerifyPool['verify']) => Promise<Replica>) {
  const pool = verifyPool();
  const held = signer ? (await idb.getMeta(tenant, meeting)).checkpoint : undefined;
  const loaded = await checkpoint.restore(() => make(pool.verify), await idb.loadEnvelopes(tenant, meeting), held, signer && toHex(signer.publicKey));
  if (loaded.verdict === 'discarded') console.warn('checkpoint: not this device\'s, not intact or not matching the store; every signature verified anew');
  return { ...loaded, pool };
}

/** Keeps the checkpoint of what `r` holds now, once `stored` (the store of those envelopes) is done. */
export function keepCheckpoint(tenant: string, meeting: string, r: Replica, signer: Signer, state: string, stored: Promise<void>): void {
  const made = checkpoint.make(r, signer, Date.now(), state); // reads the log now, before more arrives
  void Promise.all([made, stored])
    .then(([c]) => idb.updateMeta(tenant, meeting, (m) => ({ ...m, checkpoint: c })))
    .catch((e) => console.warn(`checkpoint: not kept: ${(e as Error).message}`));
}

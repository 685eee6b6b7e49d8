/** The measured steps of bench/cold-verify, shared by the Node run and the Chromium page. */
import { fromBase64, fromHex } from '../crypto/bytes.js';
import { useBackend, verify } from '../crypto/ed25519.js';
import * as envelope from '../crypto/envelope.js';
import { Replica } from '../core/replica.js';
import type { SyntheticLog } from './synthetic.js';

/** Load, verify and fold the whole log into a fresh replica; ms. */
export async function load(log: SyntheticLog, backend: 'webcrypto' | 'noble'): Promise<number> {
  useBackend(backend);
  const wires = log.envelopes.map(fromBase64); // IndexedDB hands out bytes: base64 is not part of a load
  const t = performance.now();
  const r = new Replica({ tenant: log.tenant, meeting: log.meeting, tenantKey: fromHex(log.tenantKey), docs: ['public'] });
  await r.addCerts(log.certs);
  const res = await r.receive(wires);
  if (res.accepted.length !== log.envelopes.length || r.state.applied !== log.envelopes.length) throw new Error('not all envelopes were applied');
  return performance.now() - t;
}

/** Signature verifications per second over the first n envelopes. */
export async function verifyRate(log: SyntheticLog, backend: 'webcrypto' | 'noble', n: number): Promise<number> {
  useBackend(backend);
  const envs = log.envelopes.slice(0, n).map((b) => envelope.decode(fromBase64(b)));
  const t = performance.now();
  const ok = await Promise.all(envs.map((e) => verify(e.sig, e.wire.subarray(0, e.wire.length - 64), e.author)));
  if (!ok.every(Boolean)) throw new Error('verification failed');
  return envs.length / ((performance.now() - t) / 1000);
}

/** The baseline: decoding the same envelopes (parse and id hash), no verification; ms. */
export function decodeOnly(log: SyntheticLog): number {
  const wires = log.envelopes.map(fromBase64);
  const t = performance.now();
  for (const w of wires) envelope.decode(w);
  return performance.now() - t;
}

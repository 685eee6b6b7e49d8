/** Runs in Chromium: the same cold load as bench/cold-verify.ts, on WebCrypto and on noble. */
import { fromBase64, fromHex } from '../../crypto/bytes.js';
import { useBackend, verify } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import { Replica } from '../../core/replica.js';
import type { SyntheticLog } from '../synthetic.js';

async function load(log: SyntheticLog, backend: 'webcrypto' | 'noble'): Promise<number> {
  useBackend(backend);
  const wires = log.envelopes.map(fromBase64); // IndexedDB hands out bytes: base64 is not part of a load
  const t = performance.now();
  const r = new Replica({ tenant: log.tenant, meeting: log.meeting, tenantKey: fromHex(log.tenantKey), docs: ['public'] });
  await r.addCerts(log.certs);
  const res = await r.receive(wires);
  if (res.accepted.length !== log.envelopes.length) throw new Error(`only ${res.accepted.length} accepted`);
  if (r.state.applied !== log.envelopes.length) throw new Error(`only ${r.state.applied} applied`);
  return performance.now() - t;
}

async function verifyRate(log: SyntheticLog, backend: 'webcrypto' | 'noble', n: number): Promise<number> {
  useBackend(backend);
  const envs = log.envelopes.slice(0, n).map((b) => envelope.decode(fromBase64(b)));
  const t = performance.now();
  const ok = await Promise.all(envs.map((e) => verify(e.sig, e.wire.subarray(0, e.wire.length - 64), e.author)));
  if (!ok.every(Boolean)) throw new Error('verify failed');
  return n / ((performance.now() - t) / 1000);
}

function decodeOnly(log: SyntheticLog): number {
  const wires = log.envelopes.map(fromBase64);
  const t = performance.now();
  for (const w of wires) envelope.decode(w);
  return performance.now() - t;
}

(globalThis as unknown as { runBench: () => Promise<unknown> }).runBench = async () => {
  const log = (await (await fetch('/log.json')).json()) as SyntheticLog;
  const baseline = decodeOnly(log);
  const webcrypto = await load(log, 'webcrypto');
  const noble = await load(log, 'noble');
  return {
    envelopes: log.envelopes.length,
    baselineMs: baseline,
    webcryptoMs: webcrypto,
    nobleMs: noble,
    webcryptoVerifyPerS: await verifyRate(log, 'webcrypto', 4000),
    nobleVerifyPerS: await verifyRate(log, 'noble', 2000),
  };
};

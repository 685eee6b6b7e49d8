/**
 * Runs in Chromium for bench/coldload.ts: a cold load of the same log three ways, each into a fresh replica
 * that verifies, checks and folds everything: signatures on the main thread alone (the baseline), in Web
 * Workers on all cores (web/verify-pool.ts), and as a returning device from its own checkpoint (core/checkpoint.ts).
 */
import { fromBase64, fromHex } from '../../crypto/bytes.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import * as checkpoint from '../../core/checkpoint.js';
import { Replica } from '../../core/replica.js';
import { stateHash } from '../../core/state.js';
import { VerifyPool } from '../../web/verify-pool.js';
import type { SyntheticLog } from '../synthetic.js';

(globalThis as unknown as { runColdload: () => Promise<unknown> }).runColdload = async () => {
  const log = (await (await fetch('/log.json')).json()) as SyntheticLog;
  const wires = log.envelopes.map(fromBase64);
  const device = await signerFromSeed(new Uint8Array(32).fill(9));
  const fresh = async (verify?: VerifyPool['verify']) => {
    const r = new Replica({ tenant: log.tenant, meeting: log.meeting, tenantKey: fromHex(log.tenantKey), docs: ['public'], signer: device, verify });
    await r.addCerts(log.certs);
    return r;
  };
  const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t = performance.now();
    const x = await f();
    return [x, performance.now() - t];
  };
  const loaded = async (r: Replica) => {
    if (r.state.applied !== wires.length) throw new Error(`applied ${r.state.applied} of ${wires.length}`);
    return stateHash(r.state);
  };
  const pool = new VerifyPool({ spawn: () => new Worker('/verify.worker.js') });
  // Warm-up of every path on a slice (JIT, key import, worker start).
  const warm = await fresh(pool.verify);
  await warm.receive(wires.slice(0, 2000));
  await (await fresh()).receive(wires.slice(0, 2000));

  const [single, singleMs] = await timed(async () => {
    const r = await fresh();
    await r.receive(wires);
    return loaded(r);
  });
  const [foldOnly, foldMs] = await timed(async () => {
    const r = await fresh();
    await r.receive(wires, { trusted: (envs) => new Set(envs.map((e) => e.id)) }); // decode, checks and fold, no signature
    return loaded(r);
  });
  const [workers, workersMs] = await timed(async () => {
    const r = await fresh(pool.verify);
    await r.receive(wires);
    return { hash: await loaded(r), r };
  });
  const cp = JSON.parse(JSON.stringify(await checkpoint.make(workers.r, device, Date.now())));
  const [returning, returningMs] = await timed(async () => {
    const x = await checkpoint.restore(() => fresh(pool.verify), wires, cp, workers.r.deviceKey);
    if (x.verdict !== 'used' || x.checked !== 0) throw new Error(`checkpoint ${x.verdict}, ${x.checked} checked`);
    return loaded(x.replica);
  });
  // Signatures alone, the same 4,000 envelopes: WebCrypto from the main thread, and the pool's workers.
  const some = wires.slice(0, 4000).map((w) => envelope.decode(w));
  const [, mainVerifyMs] = await timed(() => Promise.all(some.map((e) => envelope.verifySignature(e))));
  const [, poolVerifyMs] = await timed(() => pool.verify(some));
  pool.close();
  if (new Set([single, foldOnly, workers.hash, returning]).size !== 1) throw new Error('the three loads disagree on the state');
  return { cores: navigator.hardwareConcurrency, mainVerifyMs, poolVerifyMs, singleMs, foldMs, workersMs, returningMs, stats: pool.stats };
};

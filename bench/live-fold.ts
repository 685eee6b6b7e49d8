/**
 * bench/live-fold: what one new entry costs a device that already holds a long log (issue 15, item 4: "not
 * refolded from scratch on every change"). A replica holds the first N - 500 envelopes of a synthetic meeting
 * and its state; the last 500 then arrive one at a time, each followed by a read of the state, as during a
 * session. Baseline in the same run: one full fold of the same N envelopes from the start (core/fold.ts).
 * Prints; asserts nothing.
 */
import { fromBase64, fromHex } from '../crypto/bytes.js';
import * as envelope from '../crypto/envelope.js';
import { fold } from '../core/fold.js';
import { Replica } from '../core/replica.js';
import { stateHash } from '../core/state.js';
import { syntheticLog } from './synthetic.js';

const N = Number(process.env.ENVELOPES ?? 20_000);
const LIVE = 500;
const log = await syntheticLog(N);
const wires = log.envelopes.map(fromBase64);
const trustAll = { trusted: (envs: readonly envelope.Envelope[]) => new Set(envs.map((e) => e.id)) }; // signatures are not what is measured

async function replica() {
  const r = new Replica({ tenant: log.tenant, meeting: log.meeting, tenantKey: fromHex(log.tenantKey), docs: ['public'] });
  await r.addCerts(log.certs);
  return r;
}

async function run() {
  const r = await replica();
  await r.receive(wires.slice(0, N - LIVE), trustAll);
  void r.state;
  const t0 = performance.now();
  for (const w of wires.slice(N - LIVE)) {
    await r.receive([w], trustAll);
    void r.state;
  }
  const perEntryMs = (performance.now() - t0) / LIVE;
  const ordered = r.log.ordered();
  const t1 = performance.now();
  const full = fold(ordered, r.directory, `${log.tenant}/${log.meeting}`, undefined);
  const fullMs = performance.now() - t1;
  if (stateHash(full) !== stateHash(r.state)) throw new Error('the kept fold and the full fold disagree');
  return { perEntryMs, fullMs, counts: r.foldCounts, order: r.log.orderCounts };
}

await run(); // warm-up
const runs = [await run(), await run(), await run()];
const median = <T>(xs: T[], f: (x: T) => number) => xs.map(f).sort((a, b) => a - b)[1]!;
const per = median(runs, (x) => x.perEntryMs);
const full = median(runs, (x) => x.fullMs);
const last = runs[2]!;
console.log(`bench/live-fold: ${LIVE} entries arriving one at a time on top of ${N - LIVE} held, state read after each (median of 3 runs)`);
console.log(`full fold of all ${N} from the start (baseline)        ${full.toFixed(1).padStart(8)} ms  1.00x`);
console.log(`one new entry: receive, order, fold, state           ${per.toFixed(2).padStart(8)} ms  ${(per / full).toFixed(4)}x`);
console.log(`  folds from the start ${last.counts.full}, extended ${last.counts.extended}; order computed ${last.order.computed} times, extended ${last.order.extended} times`);

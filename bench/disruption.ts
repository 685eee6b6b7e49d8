/**
 * bench/disruption (DIS-1, AV-2): N member devices (replica + sync client, the real ones) on one demo relay. Per
 * round: a drop (the chair's device signs `quality.report lost`) until every device's fold shows the drop, and a
 * member's rüge (`disruption.report`) until every device's fold is interrupted; the chair resolves between rounds.
 * Baseline in the same run: a plain entry (`floor.ask`) until every device's fold has it. Printed as p50/p99 and
 * ratios against the baseline.
 */
import type { DomainKind, Payload } from '../core/entries.js';
import type { SessionState } from '../core/state.js';
import { cleanup, demoRelay, device, type NodeDevice, online } from '../test/helpers/relay.js';

const DEVICES = Number(process.env.DEVICES ?? 20);
const ROUNDS = Number(process.env.ROUNDS ?? 15);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** ms from signing on `by` until `seen` holds on every device. */
function timeToAll<K extends DomainKind>(all: NodeDevice[], by: NodeDevice, kind: K, payload: Payload<K>, seen: (s: SessionState) => boolean): Promise<number> {
  return new Promise((ok) => {
    const t0 = performance.now();
    const left = new Set(all);
    const check = () => {
      for (const d of [...left]) if (seen(d.replica.state)) left.delete(d);
      if (left.size === 0) {
        clearInterval(timer);
        ok(performance.now() - t0);
      }
    };
    const timer = setInterval(check, 2);
    void by.replica.create(kind, payload);
  });
}

const site = await demoRelay();
try {
  const persons = site.demo.devices.filter((d) => /^m\d+$/.test(d.person)).map((d) => d.person);
  const chair = await device(site.demo, 'm01', [site.wsUrl], { beaconMs: 5000 });
  const members: NodeDevice[] = [];
  for (const p of persons.slice(1, DEVICES + 1)) members.push(await device(site.demo, p, [site.wsUrl], { beaconMs: 5000 }));
  const all = [chair, ...members];
  await Promise.all(all.map(online));
  await timeToAll(all, chair, 'session.open', {}, (s) => s.session === 'open');
  const plain: number[] = [];
  const drop: number[] = [];
  const rüge: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const m = members[r % members.length]!;
    plain.push(await timeToAll(all, m, 'floor.ask', { person: m.person }, (s) => s.room.queue.some((q) => q.person === m.person)));
    await timeToAll(all, m, 'floor.cancel', { person: m.person }, (s) => !s.room.queue.some((q) => q.person === m.person));
    const drops = chair.replica.state.disruption.drops.length;
    drop.push(await timeToAll(all, chair, 'quality.report', { person: m.person, quality: 'lost' }, (s) => s.disruption.drops.length > drops));
    rüge.push(await timeToAll(all, m, 'disruption.report', { id: `d${r}`, person: m.person, media: 'both' }, (s) => s.disruption.interrupted === `d${r}`));
    await timeToAll(all, chair, 'disruption.resolve', { id: `d${r}`, outcome: 'fixed', reason: 'bench' }, (s) => s.disruption.interrupted === null);
    await timeToAll(all, chair, 'quality.report', { person: m.person, quality: 'good' }, (s) => s.disruption.quality[m.person]?.quality === 'good');
  }
  const line = (name: string, xs: number[]) =>
    console.log(`${name}: p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms; ratio to a plain entry p50 ${(pct(xs, 50) / pct(plain, 50)).toFixed(2)}x, p99 ${(pct(xs, 99) / pct(plain, 99)).toFixed(2)}x`);
  console.log(`bench/disruption: ${all.length} devices on one relay, ${ROUNDS} rounds, until every device's fold shows it`);
  line('plain entry (floor.ask, baseline)', plain);
  line('drop (quality.report lost) shown on every device', drop);
  line('rüge (disruption.report) interrupting every device', rüge);
  for (const d of all) d.client.stop();
} finally {
  await site.relay.close();
  cleanup(site.dataDir);
}
// The relay's embedded PeerJS server keeps a 300 ms check timer that it offers no way to stop.
process.exit(0);

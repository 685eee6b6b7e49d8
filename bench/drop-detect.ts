/**
 * bench/drop-detect (DIS-2, AV-2; inside the test namespace): from the moment a member's picture drops until
 * the drop is in every device's fold, on a relay with its own Janus. The member publishes sound and picture
 * (node-datachannel, real RTP to Janus) and its device reports its getStats() figures every STATS_MS, as the
 * PWA does; the drop happens at a random moment between two reports. The chair's device runs the PWA's own
 * witness (web/views/disruption/quality-witness.ts, `watchQuality`) on the relay's presence and signs `quality.report`;
 * the demo's other members are Node devices. Per round: drop → the relay's presence says `lost` at the chair
 * → the chair's device signs → every device's fold shows the drop; then the picture returns. A line that stops
 * reporting altogether (DEAD rounds) counts as lost after REPORT_TIMEOUT_MS. Baseline in the same run: a
 * plain entry (`floor.ask`) until every device's fold has it. ROUNDS, DEAD scale it. Prints; asserts nothing.
 */
import type { StatsReport } from '../core/video-wire.js';
import { REPORT_TIMEOUT_MS } from '../core/quality.js';
import { HOLD_MS, watchQuality } from '../web/views/disruption/quality-witness.js';
import { STATS_MS } from '../web/video/stats.js';
import { type NodeDevice, until } from '../test/helpers/relay.js';
import { rtcPublisher, sfuRelay, type VideoSocket } from '../test/relay/video-sfu.helpers.js';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const DEAD = Number(process.env.DEAD ?? 3);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

const r = await sfuRelay();
try {
  const persons = r.demo.devices.filter((d) => /^m\d+$/.test(d.person)).map((d) => d.person);
  const chair = await r.member('m01');
  const member = await r.member('m02');
  const others: NodeDevice[] = [];
  for (const p of persons.filter((p) => p !== 'm01' && p !== 'm02')) others.push(await r.member(p));
  const all = [chair, member, ...others];
  if (chair.replica.state.session !== 'open') await chair.replica.create('session.open', {});
  await until(() => all.every((d) => d.replica.state.session === 'open'), 'session open everywhere');

  // The member's device: publishes, and reports what getStats() would say every STATS_MS.
  const pub = await rtcPublisher(() => r.socket(member), 2);
  await pub.connected();
  const report: StatsReport = { rttMs: 40, lossPct: 0, upKbps: 800, downKbps: 900, fps: 15, audioOut: true, videoOut: true };
  let reporting = true;
  const stats = setInterval(() => reporting && pub.sock.send({ t: 'stats', stats: report }), STATS_MS);

  // The chair's device: the witness rule on the presence it receives, signing as the PWA does.
  const chairSock: VideoSocket = await r.socket(chair);
  const lostSeen: number[] = [];
  const signedAt = new Map<string, number>(); // quality -> when the chair's device signed it last
  const watch = watchQuality({
    may: () => true,
    logged: (p) => chair.replica.state.disruption.quality[p]?.quality,
    known: (p) => chair.replica.state.persons.some((x) => x.id === p),
    sign: (d) => {
      if (d.person === 'm02') signedAt.set(d.quality, performance.now());
      void chair.replica.create('quality.report', d);
    },
  });
  let seenPresence = 0;
  const presenceLoop = setInterval(() => {
    const list = chairSock.of('presence');
    if (list.length === seenPresence) return;
    for (const m of list.slice(seenPresence)) {
      if (m.members.find((x) => x.person === 'm02')?.quality === 'lost') lostSeen.push(performance.now());
      watch.see(m.members);
    }
    seenPresence = list.length;
  }, 5);
  const quality = (d: NodeDevice) => d.replica.state.disruption.quality['m02']?.quality;
  await until(() => all.every((d) => quality(d) === 'good'), 'm02 good everywhere', 60_000);

  const plain: number[] = [];
  const toPresence: number[] = [];
  const toSigned: number[] = [];
  const toAll: number[] = [];
  const dead: number[] = [];
  /** One drop: `cause` stops the picture (or the reports); the times from then until presence, signature and every fold. */
  const drop = async (cause: () => void, restore: () => void, into: number[][]) => {
    const before = lostSeen.length;
    await sleep(Math.random() * STATS_MS); // the drop falls anywhere between two reports
    const t0 = performance.now();
    cause();
    await until(() => all.every((d) => quality(d) === 'lost'), 'the drop in every fold', 60_000);
    const t = [lostSeen[before]! - t0, signedAt.get('lost')! - t0, performance.now() - t0];
    into.forEach((xs, i) => xs.push(t[i]!));
    restore();
    await until(() => all.every((d) => quality(d) === 'good'), 'the return in every fold', 60_000);
  };
  for (let i = 0; i < ROUNDS; i++) {
    const asked = performance.now();
    const ask = await member.replica.create('floor.ask', { person: 'm02' });
    await until(() => all.every((d) => d.replica.log.has(ask.id)), 'a plain entry everywhere');
    plain.push(performance.now() - asked);
    await member.replica.create('floor.cancel', { person: 'm02' });
    await drop(() => (report.videoOut = false), () => (report.videoOut = true), [toPresence, toSigned, toAll]);
  }
  for (let i = 0; i < DEAD; i++) await drop(() => (reporting = false), () => (reporting = true), [[], [], dead]);

  const ms = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms`;
  const x = (xs: number[]) => `${(pct(xs, 50) / pct(plain, 50)).toFixed(1)}x / ${(pct(xs, 99) / pct(plain, 99)).toFixed(1)}x`;
  console.log(`bench/drop-detect: ${all.length} devices, member's picture dropped ${ROUNDS} times between reports (every ${STATS_MS} ms), witness hold ${HOLD_MS} ms`);
  console.log(`  plain entry until every fold (baseline)        ${ms(plain)}`);
  console.log(`  drop until the relay's presence says lost      ${ms(toPresence)}  (${x(toPresence)} of the baseline p50/p99)`);
  console.log(`  drop until the chair's device signs it         ${ms(toSigned)}`);
  console.log(`  drop until every device's fold shows it        ${ms(toAll)}  (${x(toAll)})`);
  console.log(`  a line that stops reporting, until every fold  ${ms(dead)}  (${DEAD} rounds; lost after ${REPORT_TIMEOUT_MS} ms without a report)`);
  clearInterval(stats);
  clearInterval(presenceLoop);
  watch.stop();
  pub.close();
} finally {
  await r.close();
}
process.exit(0); // the relay's embedded PeerJS server keeps a timer it offers no way to stop

/** Disruptions in the fold (DigiSiVO § 10): rügen and interruption, classification, repeat of impaired votes, irrelevance. */
import { describe, expect, it } from 'vitest';
import { fold } from '../../core/fold.js';
import { minutesOf } from '../../core/minutes.js';
import { stateHash } from '../../core/state.js';
import { council, Story, T0, topoSort } from '../helpers/envelopes.js';
import { smallCouncil } from '../helpers/replicas.js';

async function opened(present = ['chair', 'm1', 'm2', 'm3']) {
  const c = await council();
  const s = new Story(c);
  await s.opened(present);
  const state = () => fold(topoSort(s.all), c.directory, 'testtown/m1');
  const rejected = (kind: string) => state().rejected.filter((r) => r.kind === kind).map((r) => r.reason);
  return { c, s, state, rejected };
}

const vote = (id: string, extra: Record<string, unknown> = {}) => ({ vote: id, item: 'i2', title: 'Radweg', mode: 'open' as const, ...extra });

describe('DIS-1 rüge and interruption', () => {
  it('DIS-1 a member\'s rüge interrupts the session: every procedural step is refused with a reason until the chair resolves it', async () => {
    const { s, state, rejected } = await opened();
    await s.add('m1', 'disruption.report', { id: 'd1', person: 'm1', media: 'sound' });
    expect(state().disruption.interrupted).toBe('d1');
    await s.add('chair', 'vote.open', vote('v1'));
    await s.add('chair', 'item.current', { item: 'i2' });
    await s.add('chair', 'floor.give', { person: 'm2' });
    await s.add('chair', 'session.close', {});
    const refused = state().rejected.filter((r) => r.reason.includes("interrupted by disruption 'd1'")).map((r) => r.kind);
    expect(refused).toEqual(['vote.open', 'item.current', 'floor.give', 'session.close']);
    // A member cannot classify; the chair's fix attempt and classification are accepted while interrupted.
    await s.add('m1', 'disruption.resolve', { id: 'd1', outcome: 'irrelevant', reason: 'selbst' });
    expect(rejected('disruption.resolve')).toEqual(['role: only the chair or deputy may classify a disruption']);
    await s.add('chair', 'disruption.fix', { id: 'd1', note: 'SFU neu gestartet' });
    const at = s.now;
    await s.add('chair', 'disruption.resolve', { id: 'd1', outcome: 'fixed', reason: 'Ton wieder da' });
    const d = state().disruption.disruptions[0]!;
    expect(d).toMatchObject({ person: 'm1', channel: 'app', by: 'm1', status: 'fixed', resolution: { reason: 'Ton wieder da', at, by: 'chair' } });
    expect(d.fixes.map((f) => f.note)).toEqual(['SFU neu gestartet']);
    expect(state().disruption.interrupted).toBeNull();
    await s.add('chair', 'vote.open', vote('v1'));
    expect(state().votes.map((v) => v.id)).toEqual(['v1']);
  });

  it('DIS-1 each classification is recorded with its reason and time; a resolved disruption cannot be classified again', async () => {
    const { s, state, rejected } = await opened();
    const outcomes = ['fixed', 'irrelevant', 'own'] as const;
    for (const [i, outcome] of outcomes.entries()) {
      await s.add('m1', 'disruption.report', { id: `d${i}`, person: 'm1', media: 'picture' });
      await s.add('chair', 'disruption.resolve', { id: `d${i}`, outcome, reason: `Grund ${outcome}` });
    }
    await s.add('chair', 'disruption.resolve', { id: 'd0', outcome: 'own', reason: 'nochmal' });
    expect(rejected('disruption.resolve')).toEqual(["disruption.resolve: disruption 'd0' is already resolved"]);
    expect(state().disruption.disruptions.map((d) => [d.status, d.resolution!.reason, d.resolution!.at - d.at])).toEqual([
      ['fixed', 'Grund fixed', 1000],
      ['irrelevant', 'Grund irrelevant', 1000],
      ['own', 'Grund own', 1000],
    ]);
  });

  it("DIS-1 own responsibility is presumed where the fix fails while every other member's connection is fine", async () => {
    const { s, state } = await opened();
    for (const p of ['chair', 'm2', 'm3']) await s.add(p, 'quality.report', { person: p, quality: 'good' });
    await s.add('chair', 'quality.report', { person: 'm1', quality: 'lost' });
    await s.add('m1', 'disruption.report', { id: 'd1', person: 'm1', media: 'both' });
    await s.add('chair', 'quality.report', { person: 'm1', quality: 'lost' }); // before the fix: no presumption
    expect(state().disruption.disruptions[0]!.presumedOwn).toBe(false);
    await s.add('chair', 'disruption.fix', { id: 'd1', note: 'Verbindung neu aufgebaut' });
    await s.add('m1', 'quality.report', { person: 'm1', quality: 'poor' });
    expect(state().disruption.disruptions[0]!.presumedOwn).toBe(true);
    // Another member's line is bad too: then nothing is presumed.
    await s.add('chair', 'quality.report', { person: 'm2', quality: 'poor' });
    expect(state().disruption.disruptions[0]!.presumedOwn).toBe(false);
  });
});

describe('signing on one device', () => {
  it("DIS-1 entries a device signs at the same moment (the chair's quality reports while the chair clicks) never fork its chain", async () => {
    const c = await smallCouncil();
    const chair = await c.join('chair');
    const open = await chair.create('session.open', {});
    const made = await Promise.all([
      chair.create('quality.report', { person: 'm1', quality: 'lost' }),
      chair.create('item.current', { item: 'i2' }),
      chair.create('quality.report', { person: 'm2', quality: 'poor' }),
    ]);
    expect(made.map((e) => e.seq)).toEqual([open.seq + 1, open.seq + 2, open.seq + 3]);
    expect(chair.integrity()).toMatchObject({ forks: [] });
    expect(chair.state.rejected).toEqual([]);
  });
});

describe('DIS-3 second channel', () => {
  it('DIS-3 the chair enters a report received by telephone, naming the channel; the body\'s number and address are in the log', async () => {
    const { s, state, rejected } = await opened();
    await s.add('admin', 'disruption.rules', { reportMinutes: 5, phone: '+49 211 1234-567', email: 'stoerung@example.org' });
    await s.add('chair', 'disruption.report', { id: 'd1', person: 'm2', media: 'sound', channel: 'phone', note: 'Anruf 14:02' });
    await s.add('chair', 'disruption.report', { id: 'd2', person: 'm3', media: 'sound' }); // no channel named
    await s.add('m1', 'disruption.report', { id: 'd3', person: 'm2', media: 'sound', channel: 'email' }); // not the chair
    expect(rejected('disruption.report')).toEqual([
      'disruption.report: a report entered for a member names the channel it came by',
      'role: only the member or the chair may report a disruption',
    ]);
    expect(state().disruption.rules).toMatchObject({ reportMinutes: 5, phone: '+49 211 1234-567', email: 'stoerung@example.org' });
    expect(state().disruption.disruptions.map((d) => [d.id, d.person, d.channel, d.by, d.note])).toEqual([['d1', 'm2', 'phone', 'chair', 'Anruf 14:02']]);
    expect(state().disruption.interrupted).toBe('d1');
  });
});

describe('DIS-2 repeat', () => {
  it('DIS-2 a vote during which a member\'s media dropped is marked impaired and repeated as a new round; the impaired one stays, void', async () => {
    const { s, state, rejected, c } = await opened();
    await s.add('chair', 'vote.open', vote('v1'));
    await s.add('m2', 'vote.cast', { vote: 'v1', choice: 'yes' });
    await s.add('chair', 'quality.report', { person: 'm1', quality: 'lost' }); // the chair's device saw m1 drop
    await s.add('chair', 'vote.close', { vote: 'v1' });
    expect(state().votes[0]).toMatchObject({ impaired: false, impairments: [{ person: 'm1', disruption: null }] }); // not reported (yet)
    // An unimpaired vote cannot be repeated.
    await s.add('chair', 'vote.open', vote('v0', { repeats: 'v1' }));
    expect(rejected('vote.open')).toEqual(["vote.open: vote 'v1' was not impaired by a disruption; it cannot be repeated"]);
    // m1 objects within the window (signed offline, with the drop in its past), the chair fixes it.
    await s.add('m1', 'disruption.report', { id: 'd1', person: 'm1', media: 'both' });
    expect(state().votes[0]!.impaired).toBe(true);
    await s.add('chair', 'quality.report', { person: 'm1', quality: 'good' });
    await s.add('chair', 'disruption.resolve', { id: 'd1', outcome: 'fixed', reason: 'Router von Herrn M1 neu gestartet' });
    await s.add('chair', 'vote.open', vote('v2', { repeats: 'v1' }));
    await s.add('chair', 'vote.open', vote('v3', { repeats: 'v1' })); // once only (and v2 is open)
    for (const p of ['m1', 'm2', 'm3']) await s.add(p, 'vote.cast', { vote: 'v2', choice: 'no' });
    await s.add('chair', 'vote.close', { vote: 'v2' });
    const st = state();
    const [v1, v2] = st.votes;
    expect(v1).toMatchObject({ id: 'v1', status: 'closed', void: { by: 'v2' }, impaired: true, counts: { yes: 1, no: 0, abstain: 0 } });
    expect(v2).toMatchObject({ id: 'v2', repeats: 'v1', void: null, result: 'rejected', counts: { yes: 0, no: 3, abstain: 0 } });
    expect(rejected('vote.open').at(-1)).toBe("vote.open: vote 'v1' is already repeated by 'v2'");
    expect(st.disruption.disruptions[0]).toMatchObject({ votes: ['v1'], repeatedBy: [{ vote: 'v1', by: 'v2' }] });
    // The minutes report it in their own section, the void vote and its repeat by name.
    const m = minutesOf(st, { log: topoSort(s.all), personOf: (k) => Object.values(c.devices).find((d) => d.hex === k)?.person, texts: {}, lang: 'de' });
    const section = m.sections.find((x) => x.id === 'disruptions')!;
    expect(section.title).toBe('Störungen');
    expect(JSON.stringify(section.blocks)).toContain('v1 ungültig, wiederholt als v2');
    expect(JSON.stringify(m.sections.find((x) => x.id === 'votes')!.blocks)).toContain('ungültig');
  });

  it('DIS-2 a vote still running when the member objects is ended void by its repeat; an irrelevant disruption impairs nothing', async () => {
    const { s, state, rejected } = await opened();
    await s.add('chair', 'vote.open', vote('v1'));
    await s.add('m3', 'disruption.report', { id: 'd1', person: 'm3', media: 'picture' });
    await s.add('m2', 'vote.cast', { vote: 'v1', choice: 'yes' }); // refused: interrupted
    expect(rejected('vote.cast')).toHaveLength(1);
    await s.add('chair', 'disruption.resolve', { id: 'd1', outcome: 'fixed', reason: 'behoben' });
    await s.add('chair', 'vote.open', vote('v2', { repeats: 'v1' }));
    expect(state().votes.map((v) => [v.id, v.status, v.void?.by ?? null, v.counts])).toEqual([
      ['v1', 'closed', 'v2', null],
      ['v2', 'open', null, null],
    ]);
    await s.add('chair', 'vote.close', { vote: 'v2' });
    await s.add('m1', 'disruption.report', { id: 'd2', person: 'm1', media: 'sound' });
    await s.add('chair', 'disruption.resolve', { id: 'd2', outcome: 'irrelevant', reason: 'kurz' });
    await s.add('chair', 'vote.open', vote('v3'));
    await s.add('m2', 'disruption.report', { id: 'd3', person: 'm2', media: 'sound' });
    await s.add('chair', 'disruption.resolve', { id: 'd3', outcome: 'own', reason: 'eigener Anschluss' });
    await s.add('chair', 'vote.close', { vote: 'v3' });
    await s.add('chair', 'vote.open', vote('v4', { repeats: 'v3' }));
    expect(rejected('vote.open')).toEqual(["vote.open: vote 'v3' was not impaired by a disruption; it cannot be repeated"]);
  });
});

describe('DIS-4 irrelevance', () => {
  it('DIS-4 a drop without a report within the configured time is irrelevant, by the signed clocks of later entries, whatever the arrival order', async () => {
    const { s, state, c } = await opened();
    await s.add('admin', 'disruption.rules', { reportMinutes: 2 });
    await s.add('chair', 'quality.report', { person: 'm1', quality: 'lost' });
    const from = s.now - 1000;
    await s.add('chair', 'quality.report', { person: 'm1', quality: 'good' }, { wall: from + 60_000 });
    s.now = from + 60_000 + 1000;
    expect(state().disruption.drops[0]).toMatchObject({ person: 'm1', status: 'unreported', to: from + 60_000 });
    await s.add('chair', 'attendance.in', { person: 'm4', place: 'onsite' }, { wall: from + 120_001 }); // any entry dated after the window
    expect(state().disruption.drops[0]).toMatchObject({ status: 'irrelevant', reason: 'no-report-in-time' });
    // A report after the window opens a disruption, but does not revive the drop.
    await s.add('m1', 'disruption.report', { id: 'd1', person: 'm1', media: 'sound' }, { wall: from + 130_000 });
    expect(state().disruption.disruptions[0]!.drop).toBeNull();
    // The same entries in any arrival order fold to the same state.
    const shuffled = [...s.all].reverse();
    expect(stateHash(fold(topoSort(shuffled), c.directory, 'testtown/m1'))).toBe(stateHash(state()));
  });

  it('DIS-4 a member who takes part in debate or vote after restoration without objecting makes the drop irrelevant; a report within the time does not', async () => {
    const { s, state } = await opened();
    await s.add('chair', 'vote.open', vote('v1'));
    await s.add('chair', 'quality.report', { person: 'm1', quality: 'lost' });
    await s.add('m1', 'floor.ask', { person: 'm1' }); // during the drop (signed offline): not after restoration
    expect(state().disruption.drops[0]!.status).toBe('unreported');
    await s.add('m1', 'quality.report', { person: 'm1', quality: 'fair' });
    const ballot = await s.add('m1', 'vote.cast', { vote: 'v1', choice: 'yes' });
    expect(state().disruption.drops[0]).toMatchObject({ status: 'irrelevant', reason: 'participated', participation: ballot.id });
    await s.add('chair', 'vote.close', { vote: 'v1' });
    expect(state().votes[0]!.impaired).toBe(false);
    // m2 drops, is restored, objects in time: the drop is reported, taking part afterwards changes nothing.
    await s.add('chair', 'quality.report', { person: 'm2', quality: 'lost' });
    await s.add('chair', 'quality.report', { person: 'm2', quality: 'good' });
    await s.add('m2', 'disruption.report', { id: 'd1', person: 'm2', media: 'picture' });
    await s.add('m2', 'floor.ask', { person: 'm2' });
    expect(state().disruption.drops[1]).toMatchObject({ person: 'm2', status: 'reported', disruption: 'd1', reason: null });
    expect(T0).toBeLessThan(s.now);
  });
});

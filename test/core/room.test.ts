/**
 * Order in the video room (core/rules/room.ts) and on-site ballots (core/rules/votes.ts voteOnsite), folded
 * from signed entries: what the relay carries out on the SFU and every receiver applies.
 */
import { describe, expect, it } from 'vitest';
import { fold } from '../../core/fold.js';
import { council, Story, topoSort } from '../helpers/envelopes.js';

const run = (s: Story) => fold(topoSort(s.all), s.c.directory);

describe('order in the video room', () => {
  it('VID-2 the speakers list keeps the order of requests; the chair gives the floor in order or out of order and withdraws it', async () => {
    const s = new Story(await council());
    await s.opened();
    await s.add('m1', 'floor.ask', { person: 'm1' });
    await s.add('m2', 'floor.ask', { person: 'm2' });
    await s.add('m3', 'floor.ask', { person: 'm3' });
    await s.add('m1', 'floor.ask', { person: 'm1' }); // asking twice keeps the first place
    expect(run(s).room.queue.map((q) => q.person)).toEqual(['m1', 'm2', 'm3']);
    await s.add('m2', 'floor.cancel', { person: 'm2' });
    const give = await s.add('chair', 'floor.give', { person: 'm3' }); // out of order
    let r = run(s).room;
    expect(r.floor).toBe('m3');
    expect(r.floorSince).toBe(give.hlc.wall);
    expect(r.queue.map((q) => q.person)).toEqual(['m1']);
    await s.add('chair', 'floor.give', { person: 'm1' });
    r = run(s).room;
    expect(r.floor).toBe('m1');
    expect(r.muted).toEqual({ m3: { audio: true } }); // the former speaker's sound goes off
    expect(r.turns.map((t) => [t.person, t.to === null])).toEqual([
      ['m3', false],
      ['m1', true],
    ]);
    await s.add('chair', 'floor.end', {});
    r = run(s).room;
    expect(r.floor).toBeNull();
    expect(r.muted).toEqual({ m3: { audio: true }, m1: { audio: true } });
    expect(r.turns.every((t) => t.to !== null)).toBe(true);
    // Giving the floor lifts the speaker's audio order.
    await s.add('chair', 'floor.give', { person: 'm3' });
    expect(run(s).room.muted).toEqual({ m1: { audio: true } });
    expect(run(s).rejected).toEqual([]);
  });

  it('VID-2 only the chair gives orders; a member may ask for the floor only for themselves', async () => {
    const s = new Story(await council());
    await s.opened();
    await s.add('m1', 'media.order', { person: 'm2', media: 'audio', on: false });
    await s.add('m1', 'participant.remove', { person: 'm2', scope: 'session' });
    await s.add('m1', 'room.lock', { locked: true });
    await s.add('m1', 'floor.give', { person: 'm1' });
    await s.add('m1', 'floor.ask', { person: 'm2' });
    await s.add('clerk', 'floor.ask', { person: 'm2' }); // the assistant keeps the list for someone
    const st = run(s);
    expect(st.rejected.map((r) => [r.kind, r.reason])).toEqual([
      ['media.order', 'role: only the chair or deputy may mute a participant or stop their picture'],
      ['participant.remove', 'role: only the chair or deputy may remove a participant'],
      ['room.lock', 'role: only the chair or deputy may lock the room'],
      ['floor.give', 'role: only the chair or deputy may give the floor'],
      ['floor.ask', 'role: only the member or the chair may ask for the floor'],
    ]);
    expect(st.room).toMatchObject({ muted: {}, removed: {}, locked: false, floor: null });
    expect(st.room.queue.map((q) => q.person)).toEqual(['m2']);
  });

  it('VID-2 mute and stop orders hold until lifted; a removal for the item ends with the item, one for the session does not', async () => {
    const s = new Story(await council());
    await s.opened();
    await s.add('chair', 'item.current', { item: 'i1' });
    await s.add('chair', 'media.order', { person: 'm1', media: 'audio', on: false });
    await s.add('chair', 'media.order', { person: 'm1', media: 'video', on: false });
    await s.add('chair', 'media.order', { person: 'm2', media: 'video', on: false });
    await s.add('chair', 'media.order', { person: 'm2', media: 'video', on: true });
    expect(run(s).room.muted).toEqual({ m1: { audio: true, video: true } });
    await s.add('m1', 'floor.ask', { person: 'm1' });
    await s.add('chair', 'participant.remove', { person: 'm1', scope: 'item', reason: 'Befangenheit' });
    await s.add('chair', 'participant.remove', { person: 'm2', scope: 'session' });
    let r = run(s).room;
    expect(r.removed).toMatchObject({ m1: { scope: 'item', item: 'i1', reason: 'Befangenheit' }, m2: { scope: 'session', item: null } });
    expect(r.queue).toEqual([]); // a removed member leaves the speakers list
    await s.add('m2', 'floor.ask', { person: 'm2' });
    await s.add('chair', 'floor.give', { person: 'm2' });
    expect(run(s).rejected.map((x) => x.reason)).toEqual(["floor.ask: 'm2' is removed from the room", "floor.give: 'm2' is removed from the room"]);
    await s.add('chair', 'item.current', { item: 'i2' });
    r = run(s).room;
    expect(Object.keys(r.removed)).toEqual(['m2']);
    await s.add('chair', 'participant.readmit', { person: 'm2' });
    await s.add('chair', 'room.lock', { locked: true });
    r = run(s).room;
    expect(r.removed).toEqual({});
    expect(r.locked).toBe(true);
  });

  it('DS-3 a recording starts only where the body allows it, by the chair or a recorder, and the session’s close stops it', async () => {
    const s = new Story(await council());
    await s.opened();
    await s.add('chair', 'recording.start', {});
    expect(run(s).rejected.map((r) => r.reason)).toEqual(['recording.start: the body does not allow recording sessions']);
    await s.add('admin', 'legal.recording', { allowed: true, storage: 'Rechenzentrum, Ordner recordings', retentionDays: 90 });
    await s.add('m1', 'recording.start', {});
    await s.add('clerk', 'recording.start', {}); // an assistant without the recorder role
    const start = await s.add('chair', 'recording.start', {});
    let st = run(s);
    expect(st.rejected.slice(1).map((r) => r.reason)).toEqual([
      'role: only the chair or a recorder may start a recording',
      'role: only the chair or a recorder may start a recording',
    ]);
    expect(st.room.recording).toEqual({ allowed: true, storage: 'Rechenzentrum, Ordner recordings', retentionDays: 90, running: true, since: start.hlc.wall, by: 'chair' });
    const close = await s.add('chair', 'session.close', {});
    st = run(s);
    expect(st.room.recording.running).toBe(false);
    expect(st.room.recordings).toEqual([{ from: start.hlc.wall, to: close.hlc.wall, by: 'chair', entry: start.id }]);
  });

  it('VOTE-7 the chair records the ballot of a member on site without a device; it takes the member’s one place and is marked', async () => {
    const s = new Story(await council());
    await s.setup();
    await s.add('chair', 'attendance.in', { person: 'chair', place: 'remote' });
    await s.add('chair', 'attendance.in', { person: 'm1', place: 'onsite' });
    await s.add('chair', 'attendance.in', { person: 'm2', place: 'onsite' });
    await s.add('m3', 'attendance.in', { person: 'm3', place: 'remote' });
    await s.add('chair', 'session.open', {});
    await s.add('chair', 'vote.open', { vote: 'v1', item: 'i2', title: 'Radweg', mode: 'open' });
    await s.add('m2', 'vote.cast', { vote: 'v1', choice: 'no' }); // on site, own device
    await s.add('chair', 'vote.onsite', { vote: 'v1', person: 'm1', choice: 'yes' });
    await s.add('chair', 'vote.onsite', { vote: 'v1', person: 'm1', choice: 'no' }); // a second one is a duplicate
    await s.add('chair', 'vote.onsite', { vote: 'v1', person: 'm3', choice: 'yes' }); // remote: not for the chair to record
    await s.add('m1', 'vote.onsite', { vote: 'v1', person: 'm1', choice: 'no' });
    await s.add('chair', 'vote.close', { vote: 'v1' });
    const st = run(s);
    const v = st.votes[0]!;
    expect(v.ballots.map((b) => [b.person, b.choice, b.status, b.recordedBy ?? null])).toEqual([
      ['m2', 'no', 'counted', null],
      ['m1', 'yes', 'counted', 'chair'],
      ['m1', 'no', 'duplicate', 'chair'],
    ]);
    expect(v.tally).toEqual({ yes: 1, no: 1, abstain: 0 });
    expect(st.rejected.map((r) => r.reason)).toEqual([
      "vote.onsite: 'm3' is not checked in on site",
      'role: only the chair or deputy may record the ballot of a member on site',
    ]);
  });
});

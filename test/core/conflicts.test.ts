/**
 * Conflicts of interest (BEF-1, BEF-2) and the duty of confidentiality before a non-public part (PUB-6), as
 * the fold every device (and the relay, over the public document) runs decides them from signed entries.
 */
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../crypto/envelope.js';
import { fold } from '../../core/fold.js';
import { minutesOf } from '../../core/minutes.js';
import { excludedFromItem, exclusionOf, undecidedConflicts } from '../../core/rules/conflicts.js';
import { council, Story, topoSort } from '../helpers/envelopes.js';

const all = (s: Story) => fold(topoSort(s.all), s.c.directory);
const pub = (s: Story) => fold(topoSort(s.all.filter((e) => e.doc === 'public')), s.c.directory);
const reasonOf = (s: Story, e: Envelope) => all(s).rejected.find((r) => r.entry === e.id)?.reason;

describe('conflicts of interest', () => {
  it('BEF-1 a conflict recorded before the session by the member or the administration blocks the call of the item until the chair confirms or rejects it', async () => {
    const s = new Story(await council());
    await s.setup();
    await s.add('admin', 'conflict.declare', { person: 'm2', item: 'i2' }); // by the administration, before the session
    await s.add('m1', 'conflict.declare', { person: 'm1', item: 'i2' }); // by the member
    const forged = await s.add('m3', 'conflict.declare', { person: 'm4', item: 'i2' }); // a member for someone else
    expect(reasonOf(s, forged)).toBe('role: only the member, the chair or the administration may record a conflict of interest');
    for (const p of ['chair', 'm1', 'm2', 'm3']) await s.add(p, 'attendance.in', { person: p, place: 'remote' });
    await s.add('chair', 'session.open', {});
    expect(undecidedConflicts(all(s), 'i2')).toEqual(['m2', 'm1']);
    const early = await s.add('chair', 'item.current', { item: 'i2' });
    expect(reasonOf(s, early)).toBe("item.current: the chair has not yet confirmed or rejected the conflict of interest of 'm2', 'm1' for 'i2'");
    expect(all(s).currentItem).toBeNull();
    const byMember = await s.add('m3', 'conflict.confirm', { person: 'm1', item: 'i2', confirmed: true });
    expect(reasonOf(s, byMember)).toBe('role: only the chair or deputy may confirm or reject a conflict of interest');
    const unknown = await s.add('chair', 'conflict.confirm', { person: 'm3', item: 'i2', confirmed: true });
    expect(reasonOf(s, unknown)).toBe("conflict.confirm: 'm3' declared no conflict of interest for 'i2'");
    await s.add('chair', 'conflict.confirm', { person: 'm1', item: 'i2', confirmed: true });
    await s.add('chair', 'conflict.confirm', { person: 'm2', item: 'i2', confirmed: false });
    const again = await s.add('chair', 'conflict.confirm', { person: 'm2', item: 'i2', confirmed: true });
    expect(reasonOf(s, again)).toBe("conflict.confirm: the chair has already decided on the conflict of 'm2' for 'i2'");
    const call = await s.add('chair', 'item.current', { item: 'i2' });
    for (const st of [all(s), pub(s)]) {
      expect(st.currentItem).toBe('i2');
      expect(st.conflicts.map((c) => [c.person, c.decision?.confirmed])).toEqual([['m2', false], ['m1', true]]);
      expect(st.exclusions).toEqual([{ person: 'm1', item: 'i2', from: call.hlc.wall, to: null, entry: call.id }]);
    }
    expect(excludedFromItem(all(s), 'i2')).toEqual(['m1']); // m2's conflict was rejected: m2 takes part
  });

  it('BEF-1 while the item is current the confirmed member is excluded from deliberation and vote: no ballot, no floor, out of the video room; the next item ends it', async () => {
    const s = new Story(await council());
    await s.opened(['chair', 'm1', 'm2', 'm3']);
    await s.add('m1', 'conflict.declare', { person: 'm1', item: 'i2' });
    await s.add('chair', 'conflict.confirm', { person: 'm1', item: 'i2', confirmed: true });
    const call = await s.add('chair', 'item.current', { item: 'i2' });
    const st = all(s);
    expect(st.room.removed['m1']).toEqual({ scope: 'item', item: 'i2', at: call.hlc.wall, reason: null, entry: call.id, conflict: true });
    expect(exclusionOf(st, 'm1')).toMatchObject({ item: 'i2', from: call.hlc.wall });
    const ask = await s.add('m1', 'floor.ask', { person: 'm1' });
    expect(reasonOf(s, ask)).toBe("floor.ask: 'm1' is removed from the room");
    const readmit = await s.add('chair', 'participant.readmit', { person: 'm1' });
    expect(reasonOf(s, readmit)).toBe("participant.readmit: 'm1' is excluded for a conflict of interest until the item ends");
    await s.add('chair', 'vote.open', { vote: 'v1', item: 'i2', title: 'Radweg', mode: 'open' });
    for (const p of ['m1', 'm2', 'chair']) await s.add(p, 'vote.cast', { vote: 'v1', choice: 'yes' });
    await s.add('chair', 'vote.close', { vote: 'v1' });
    const v = all(s).votes[0]!;
    expect(v.ballots.map((b) => [b.person, b.status])).toEqual([['m1', 'not-entitled'], ['m2', 'counted'], ['chair', 'counted']]);
    const next = await s.add('chair', 'item.current', { item: 'i1' });
    for (const x of [all(s), pub(s)]) {
      expect(x.room.removed['m1']).toBeUndefined();
      expect(x.exclusions).toEqual([{ person: 'm1', item: 'i2', from: call.hlc.wall, to: next.hlc.wall, entry: call.id }]);
    }
    const back = await s.add('m1', 'floor.ask', { person: 'm1' });
    expect(reasonOf(s, back)).toBeUndefined();
    expect(all(s).room.queue.map((q) => q.person)).toEqual(['m1']);
  });

  it('BEF-1 a conflict the chair confirms while its item is current excludes the member at once', async () => {
    const s = new Story(await council());
    await s.opened();
    await s.add('chair', 'item.current', { item: 'i2' });
    await s.add('m3', 'conflict.declare', { person: 'm3', item: 'i2' });
    expect(all(s).room.removed['m3']).toBeUndefined();
    const ok = await s.add('chair', 'conflict.confirm', { person: 'm3', item: 'i2', confirmed: true });
    expect(all(s).room.removed['m3']).toMatchObject({ conflict: true, at: ok.hlc.wall });
  });

  it('BEF-2 a non-public item: the public marker names only who is excluded (for the relay), the members see since when; neither names the item to the public', async () => {
    const s = new Story(await council());
    await s.opened(['chair', 'm1', 'm2']);
    await s.add('m1', 'conflict.declare', { person: 'm1', item: 'i3' }, { doc: 'members' });
    await s.add('chair', 'conflict.confirm', { person: 'm1', item: 'i3', confirmed: true }, { doc: 'members' });
    expect(excludedFromItem(all(s), 'i3')).toEqual(['m1']);
    expect(pub(s).conflicts).toEqual([]); // the conflict on a non-public item stays in the members' document
    await s.add('chair', 'confidentiality.remind', {});
    for (const p of ['chair', 'm2']) await s.add(p, 'confidentiality.confirm', { person: p });
    await s.add('chair', 'confidentiality.missing', { persons: ['m1'] }); // excluded anyway
    const marker = await s.add('chair', 'item.current', { item: null, nonPublic: true, no: '3', excluded: ['m1'] });
    await s.add('chair', 'item.current', { item: 'i3' }, { doc: 'members' });
    const members = all(s);
    const publics = pub(s);
    expect(members.rejected).toEqual([]);
    expect(members.exclusions).toEqual([{ person: 'm1', item: 'i3', from: marker.hlc.wall, to: null, entry: marker.id }]);
    expect(publics.exclusions).toEqual([{ person: 'm1', item: null, from: marker.hlc.wall, to: null, entry: marker.id }]);
    for (const x of [members, publics]) expect(x.room.removed['m1']).toMatchObject({ conflict: true, at: marker.hlc.wall });
    for (const e of s.all.filter((x) => x.doc === 'public')) expect(Buffer.from(e.wire).includes(Buffer.from('"i3"'))).toBe(false);
    const stranger = await s.add('chair', 'item.current', { item: null, nonPublic: true, excluded: ['nobody'] });
    expect(reasonOf(s, stranger)).toBe("item.current: 'nobody' is not a member of this body");
    const next = await s.add('chair', 'item.current', { item: 'i2' });
    expect(all(s).exclusions[0]!.to).toBe(next.hlc.wall);
    expect(all(s).room.removed['m1']).toBeUndefined();
  });

  it('BEF-1 the minutes name each conflict with the chair\'s decision and the time of the exclusion', async () => {
    const s = new Story(await council());
    await s.opened();
    await s.add('m1', 'conflict.declare', { person: 'm1', item: 'i2' });
    const ok = await s.add('chair', 'conflict.confirm', { person: 'm1', item: 'i2', confirmed: true });
    const call = await s.add('chair', 'item.current', { item: 'i2' });
    const end = await s.add('chair', 'item.current', { item: 'i1' });
    const st = all(s);
    const m = minutesOf(st, { log: topoSort(s.all), personOf: (d) => Object.values(s.c.devices).find((x) => x.hex === d)?.person });
    const sec = m.sections.find((x) => x.id === 'conflicts')!;
    expect((sec.facts as { conflicts: unknown[] }).conflicts).toEqual([
      { person: 'm1', item: 'i2', at: expect.any(Number), entry: expect.any(String), by: 'm1', decision: { confirmed: true, by: 'chair', at: ok.hlc.wall, entry: ok.id }, excluded: [{ from: call.hlc.wall, to: end.hlc.wall, entry: call.id }] },
    ]);
    const table = sec.blocks.find((b) => b.type === 'table') as { rows: string[][] };
    expect(table.rows[0]![4]).toMatch(/^bestätigt \d\d:\d\d:\d\d$/);
    expect(table.rows[0]![5]).toMatch(/^\d\d:\d\d:\d\d–\d\d:\d\d:\d\d$/);
  });
});

describe('confidentiality before a non-public part', () => {
  it('PUB-6 the non-public part starts only once every remote member present has confirmed, or the chair recorded who did not; on the public fold too', async () => {
    const s = new Story(await council());
    await s.opened(['chair', 'm1', 'm2']);
    await s.add('m3', 'attendance.in', { person: 'm3', place: 'onsite' }); // on site: not asked
    const early = await s.add('m1', 'confidentiality.confirm', { person: 'm1' });
    expect(reasonOf(s, early)).toBe('confidentiality.confirm: the chair has not reminded of the duty of confidentiality');
    await s.add('chair', 'confidentiality.remind', {});
    expect(all(s).confidentiality.pending).toEqual(['chair', 'm1', 'm2']);
    const forSomeone = await s.add('m1', 'confidentiality.confirm', { person: 'm2' });
    expect(reasonOf(s, forSomeone)).toBe('role: only the member may confirm for themselves');
    await s.add('chair', 'confidentiality.confirm', { person: 'chair' });
    await s.add('m1', 'confidentiality.confirm', { person: 'm1' });
    const blocked = await s.add('chair', 'item.current', { item: null, nonPublic: true });
    await s.add('chair', 'item.current', { item: 'i3' }, { doc: 'members' });
    for (const st of [all(s), pub(s)]) {
      expect(st.rejected.find((r) => r.entry === blocked.id)?.reason).toBe("item.current: remote members have not confirmed confidentiality: 'm2'");
      expect(st.nonPublicPart).toBe(false);
    }
    expect(all(s).currentItem).toBeNull(); // the members' entry for the item is refused too
    const missing = await s.add('chair', 'confidentiality.missing', { persons: ['m2'] });
    expect(all(s).confidentiality).toMatchObject({ pending: [], missing: [{ person: 'm2', at: missing.hlc.wall, entry: missing.id }] });
    await s.add('chair', 'item.current', { item: null, nonPublic: true });
    await s.add('chair', 'item.current', { item: 'i3' }, { doc: 'members' });
    expect([all(s).currentItem, all(s).nonPublicPart, pub(s).nonPublicPart]).toEqual(['i3', true, true]);
    // The part ends with a public item; the next non-public part needs its own confirmations.
    await s.add('chair', 'item.current', { item: 'i2' });
    expect(all(s).confidentiality).toEqual({ remindedAt: null, confirmed: [], missing: [], pending: ['chair', 'm1', 'm2'] });
    const second = await s.add('chair', 'item.current', { item: null, nonPublic: true });
    expect(reasonOf(s, second)).toBe("item.current: remote members have not confirmed confidentiality: 'chair', 'm1', 'm2'");
  });

  it('PUB-6 the minutes name the reminder and each answer', async () => {
    const s = new Story(await council());
    await s.opened(['chair', 'm1']);
    await s.add('chair', 'confidentiality.remind', {});
    await s.add('m1', 'confidentiality.confirm', { person: 'm1' });
    await s.add('chair', 'confidentiality.missing', { persons: ['chair'] });
    await s.add('chair', 'item.current', { item: null, nonPublic: true });
    const m = minutesOf(all(s), { log: topoSort(s.all), personOf: (d) => Object.values(s.c.devices).find((x) => x.hex === d)?.person, lang: 'de' });
    const sec = m.sections.find((x) => x.id === 'confidentiality')!;
    expect((sec.facts as { answers: { person: string; confirmed: boolean }[] }).answers.map((a) => [a.person, a.confirmed])).toEqual([['m1', true], ['chair', false]]);
    const table = sec.blocks.find((b) => b.type === 'table') as { rows: string[][] };
    expect(table.rows.map((r) => r[0])).toEqual(['Mitglied 1', 'Vorsitz']);
    expect(table.rows[1]![1]).toMatch(/^nicht bestätigt \(festgestellt \d\d:\d\d:\d\d\)$/);
  });
});

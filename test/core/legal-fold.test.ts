/** LEG-1 in the log: the meeting records its legal basis; scheduling without a valid one is refused with the reason. */
import { describe, expect, it } from 'vitest';
import type { Payload } from '../../core/entries.js';
import { smallCouncil, T0 } from '../helpers/replicas.js';

const DAY = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function admin() {
  const c = await smallCouncil();
  const a = await c.replica('admin', ['public']);
  const setup = (meeting: Partial<Payload<'meeting.setup'>['meeting']>, body: Partial<Payload<'meeting.setup'>['body']> = {}) =>
    a.create('meeting.setup', {
      body: { id: 'bv', name: 'Haupt- und Finanzausschuss', type: 'ausschuss', statutoryMembers: 5, ...body },
      factions: [],
      persons: [{ id: 'chair', name: 'Vorsitz', faction: null, voting: true }],
      meeting: { id: 'm1', title: 'Sitzung', start: T0, place: 'Rathaus', ...meeting },
    });
  return { a, setup };
}

describe('legal basis of a meeting', () => {
  it('LEG-1 a fully digital meeting needs the council\'s two-thirds decision covering its date; the basis is recorded', async () => {
    const { a, setup } = await admin();
    await setup({ format: 'digital' });
    expect(a.state.meeting).toBeNull();
    expect(a.state.rejected.at(-1)!.reason).toMatch(/^meeting\.setup: no legal basis for a digital meeting: /);
    // Two thirds missed: refused with the reason.
    await a.create('legal.decision', { id: 'd1', decidedAt: dateOf(T0 - 10 * DAY), validUntil: dateOf(T0 + 30 * DAY), yes: 3, statutoryMembers: 5 });
    await setup({ format: 'digital', basis: 'd1' });
    expect(a.state.meeting).toBeNull();
    expect(a.state.rejected.at(-1)!.reason).toMatch(/two.thirds/i);
    await a.create('legal.decision', { id: 'd2', decidedAt: dateOf(T0 - 10 * DAY), validUntil: dateOf(T0 + 30 * DAY), yes: 4, statutoryMembers: 5 });
    await setup({ format: 'digital', basis: 'd2' });
    expect(a.state.meeting).toMatchObject({ format: 'digital', legal: { kind: 'exception-decision', citation: '§ 47a GO NRW', decision: 'd2' } });
    expect(a.state.meeting!.legal.de).toMatch(/§ 47a/);
  });

  it('LEG-1 hybrid committee meetings need the Hauptsatzung clause and are refused for the Haupt-, Finanz- and Rechnungsprüfungsausschuss', async () => {
    const { a, setup } = await admin();
    await setup({ format: 'hybrid' });
    expect(a.state.meeting).toBeNull();
    await a.create('legal.clause', { allowsHybridCommittees: true, adoptedAt: dateOf(T0 - 100 * DAY) });
    for (const committeeKind of ['haupt', 'finanz', 'rechnungspruefung'] as const) {
      await setup({ format: 'hybrid' }, { committeeKind });
      expect(a.state.meeting, committeeKind).toBeNull();
      expect(a.state.rejected.at(-1)!.reason).toMatch(/^meeting\.setup: no legal basis for a hybrid meeting: /);
    }
    await setup({ format: 'hybrid' }, { committeeKind: 'other' });
    expect(a.state.meeting).toMatchObject({ format: 'hybrid', legal: { kind: 'hauptsatzung', citation: '§ 58a GO NRW' } });
    // Only an admin records legal facts.
    const c = await smallCouncil();
    const chair = await c.join('chair');
    await chair.create('legal.clause', { allowsHybridCommittees: true, adoptedAt: '2024-01-01' });
    expect(chair.state.rejected.at(-1)!.reason).toBe('role: only an admin may record a legal basis');
  });
});

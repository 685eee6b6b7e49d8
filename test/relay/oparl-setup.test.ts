/**
 * ORG-1: imported OParl master data becomes a meeting's setup that the session rules accept: body, voting and
 * advisory members, factions, public and non-public agenda, all ids valid for certificates and entries.
 */
import { join } from 'node:path';
import { openSqliteDirectory } from '../../relay/identity-schema.js';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodePayload } from '../../core/entries.js';
import { MasterData } from '../../relay/master-data.js';
import { importOparl } from '../../relay/oparl/command.js';
import type { Store } from '../../relay/store.js';
import type { DirectoryData } from '../../web/views/admin/Admin.js';
import { setupFromOparl } from '../../web/views/admin/setup.js';
import { OPARL_FIXTURES } from '../helpers/oparl-server.js';

describe('meeting setup from OParl', () => {
  it('ORG-1 an imported meeting maps to a valid meeting.setup with members, factions and agenda', async () => {
    const db = openSqliteDirectory(':memory:');
    await importOparl({ source: join(OPARL_FIXTURES, 'clean'), db, tenant: 't' });
    const master = await new MasterData(db, { meetings: () => [] } as unknown as Store, '/nonexistent').master('t');
    const d = { ...master, certs: [], enrolments: [], invitations: [], meetings: [], tenant: 't', tenantKey: '00'.repeat(32) } as unknown as DirectoryData;
    const meeting = d.oparlMeetings.find((m) => d.agendaItems.some((a) => a.meeting === m.id))!;
    const plan = setupFromOparl(d, meeting.id, 'in-person');
    // The schema of the entry accepts it (ids, lengths), as the fold will.
    const entry = decodeEntry('meeting.setup', encodePayload('meeting.setup', plan.setup));
    expect(entry.kind).toBe('meeting.setup');
    expect(plan.setup.meeting).toMatchObject({ title: meeting.name, start: Date.parse(meeting.start), format: 'in-person' });
    expect(plan.setup.persons.length).toBeGreaterThan(0);
    for (const p of plan.setup.persons) expect(d.persons.some((x) => x.key === p.id)).toBe(true); // the ids invitations and certificates use
    expect(plan.setup.body.statutoryMembers).toBe(plan.setup.persons.filter((p) => p.voting).length);
    for (const p of plan.setup.persons) if (p.faction) expect(plan.setup.factions.map((f) => f.id)).toContain(p.faction);
    const items = d.agendaItems.filter((a) => a.meeting === meeting.id).sort((a, b) => a.order - b.order);
    expect(plan.agenda.map((a) => a.title)).toEqual(items.map((a) => a.name));
    expect(plan.agenda.map((a) => a.public)).toEqual(items.map((a) => a.public));
    await db.close();
  });
});

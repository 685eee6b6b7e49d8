/**
 * ORG-1: OParl import of master data (bodies, members, factions, meetings, agenda) from a folder of JSON
 * files or an endpoint, into SQLite, previewed, applied in one transaction, re-importable.
 * Fixtures: test/fixtures/oparl/clean (a small council, OParl 1.1) and sloppy (OParl 1.0 with every
 * fault the walker must tolerate and report).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDirectory } from '../../relay/identity-schema.js';
import type { Sql } from '../../relay/sql.js';
import { afterEach, describe, expect, it } from 'vitest';
import { importOparl } from '../../relay/oparl/command.js';
import { isCommittee, isFaction, type Model } from '../../relay/oparl/model.js';
import { parseJson } from '../../relay/oparl/source.js';
import { OparlStore } from '../../relay/oparl/store.js';
import { walk, type WalkWarning } from '../../relay/oparl/walk.js';
import { FIXTURE_HOST, OPARL_FIXTURES, serveOparl } from '../helpers/oparl-server.js';

const FIX = OPARL_FIXTURES;
const CLEAN = join(FIX, 'clean');
const SLOPPY = join(FIX, 'sloppy');
const HOST = FIXTURE_HOST;
const B = `${HOST}/oparl/`;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function tempCopy(dir: string): string {
  const to = mkdtempSync(join(tmpdir(), 'ratsraum-oparl-'));
  cpSync(dir, to, { recursive: true });
  cleanups.push(() => rmSync(to, { recursive: true, force: true }));
  return to;
}

function memoryDb() {
  const db = openSqliteDirectory(':memory:');
  cleanups.push(() => db.close());
  return db;
}

async function serve(dir: string, hooks: Parameters<typeof serveOparl>[1] = {}) {
  const server = await serveOparl(dir, hooks);
  cleanups.push(server.close);
  return server;
}

const sizes = (m: Model) => ({
  bodies: Object.keys(m.bodies).length,
  organizations: Object.keys(m.organizations).length,
  persons: Object.keys(m.persons).length,
  memberships: Object.keys(m.memberships).length,
  meetings: Object.keys(m.meetings).length,
  agendaItems: Object.keys(m.agendaItems).length,
});
const has = (ws: WalkWarning[], code: string, url: string) => ws.some((w) => w.code === code && w.url === url);
const agendaOf = (m: Model, meeting: string) =>
  Object.values(m.agendaItems)
    .filter((a) => a.meeting === meeting)
    .sort((a, b) => a.order - b.order);
const tableRows = async (db: Sql, table: string) => (await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n;
const oparlTableNames = async (db: Sql) => (await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'oparl_%' ORDER BY name`)).map((t) => t.name);
/** Rows in all the directory's tables together. */
const storedRows = async (db: Sql) => {
  let n = 0;
  for (const t of await oparlTableNames(db)) n += await tableRows(db, t);
  return n;
};
const snapshot = async (db: Sql) => {
  const out: [string, unknown[]][] = [];
  for (const t of await oparlTableNames(db)) out.push([t, await db.all(`SELECT * FROM ${t} ORDER BY 1, 2`)]);
  return out;
};

describe('OParl import', () => {
  it('ORG-1 reads a clean council from a folder: body, factions, committee, persons, memberships, meetings, agenda', async () => {
    const { model, warnings, complete, stats } = await walk(CLEAN);
    expect(warnings).toEqual([]);
    expect(complete).toBe(true);
    expect(stats.pages).toBe(5); // bodies, organizations, persons (2 pages), meetings
    expect(model.system).toBe(`${B}system`);
    expect(sizes(model)).toEqual({ bodies: 1, organizations: 4, persons: 8, memberships: 12, meetings: 3, agendaItems: 7 });
    expect(model.bodies[`${B}body/1`]).toEqual({ id: `${B}body/1`, name: 'Stadt Musterstadt', shortName: 'Musterstadt' });
    const orgs = Object.values(model.organizations);
    expect(orgs.filter(isFaction).map((o) => o.name).sort()).toEqual(['CDU-Fraktion', 'Fraktion Bündnis 90/Die Grünen', 'SPD-Fraktion']);
    expect(orgs.filter(isCommittee).map((o) => o.name)).toEqual(['Haupt- und Finanzausschuss']);
    expect(model.persons[`${B}person/6`]).toEqual({ id: `${B}person/6`, name: 'Dr. Jana Schulz', email: 'person6@musterstadt.example' });
    expect(model.persons[`${B}person/3`]!.name).toBe('Aylin Yılmaz');
    expect(model.memberships[`${B}membership/8-hfa`]).toEqual({
      id: `${B}membership/8-hfa`,
      person: `${B}person/8`,
      organization: `${B}organization/hfa`,
      role: 'beratendes Mitglied',
      votingRight: false,
      start: '2020-11-15',
    });
    expect(Object.values(model.memberships).filter((m) => m.organization === `${B}organization/spd`).map((m) => m.person).sort()).toEqual([1, 2, 3].map((n) => `${B}person/${n}`));
    expect(model.meetings[`${B}meeting/1`]).toEqual({
      id: `${B}meeting/1`,
      body: `${B}body/1`,
      organizations: [`${B}organization/hfa`],
      name: 'Sitzung des Haupt- und Finanzausschusses',
      start: '2025-03-04T16:00:00.000Z',
      end: '2025-03-04T18:30:00.000Z',
      location: 'Ratssaal, Rathaus Musterstadt',
      cancelled: false,
    });
    expect(model.meetings[`${B}meeting/2`]!.start).toBe('2025-04-08T15:00:00.000Z'); // summer time
    const agenda = agendaOf(model, `${B}meeting/1`);
    expect(agenda.map((a) => [a.order, a.number, a.name, a.public])).toEqual([
      [0, '1', 'Eröffnung und Feststellung der Tagesordnung', true],
      [1, '2', 'Haushaltssatzung 2026', true],
      [2, '3', 'Personalangelegenheit', false],
    ]);
    expect(Object.values(model.agendaItems).filter((a) => !a.public)).toHaveLength(1);
  });

  it('ORG-1 preview reports what an import adds without writing; apply writes it; the same import again changes nothing', async () => {
    const { model } = await walk(CLEAN);
    const db = memoryDb();
    const store = new OparlStore(db);
    const before = await store.preview('t', model);
    expect(before.total).toEqual({ added: 35, updated: 0, removed: 0, unchanged: 0 });
    expect(before.kinds.persons.counts).toEqual({ added: 8, updated: 0, removed: 0, unchanged: 0 });
    expect(before.kinds.agendaItems.added).toHaveLength(7);
    expect(await storedRows(db)).toBe(0); // a preview writes nothing

    const applied = await store.apply('t', model);
    expect(applied.total).toEqual(before.total);
    expect([await tableRows(db, 'oparl_body'), await tableRows(db, 'oparl_organization'), await tableRows(db, 'oparl_person'), await tableRows(db, 'oparl_membership'), await tableRows(db, 'oparl_meeting'), await tableRows(db, 'oparl_agenda_item')]).toEqual([1, 4, 8, 12, 3, 7]);
    expect(await tableRows(db, 'oparl_import')).toBe(1);
    const persons = await store.list('t', 'persons');
    expect(persons.find((p) => p.id === `${B}person/6`)).toEqual({ id: `${B}person/6`, system: `${B}system`, name: 'Dr. Jana Schulz', email: 'person6@musterstadt.example' });
    expect((await store.list('t', 'meetings')).find((m) => m.id === `${B}meeting/1`)!.organizations).toEqual([`${B}organization/hfa`]);
    expect((await store.list('t', 'agendaItems')).filter((a) => a.public === false).map((a) => a.name)).toEqual(['Personalangelegenheit']);

    expect((await store.preview('t', model)).total).toEqual({ added: 0, updated: 0, removed: 0, unchanged: 35 });
    expect((await store.preview('other', model)).total.added).toBe(35); // tenants are separate
    expect((await store.list('other', 'persons'))).toEqual([]);
  });

  it('ORG-1 re-importing changed data updates in place without duplicates and marks vanished and deleted objects removed', async () => {
    const dir = tempCopy(CLEAN);
    const db = memoryDb();
    const store = new OparlStore(db);
    expect((await importOparl({ source: dir, db, tenant: 't' })).applied).toBe(true);

    const edit = (file: string, f: (x: { data: Record<string, unknown>[] }) => void) => {
      const x = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      f(x);
      writeFileSync(join(dir, file), JSON.stringify(x));
    };
    edit('body/1/organizations.json', (x) => (x.data.find((o) => o.id === `${B}organization/cdu`)!.name = 'CDU-Ratsfraktion'));
    edit('body/1/persons/page2.json', (x) => (x.data[2] = { id: `${B}person/8`, deleted: true }));
    edit('body/1/meetings.json', (x) => {
      x.data.pop();
      x.data[1]!.start = '2025-04-08T18:00:00+02:00';
      ((x.data[0]!.agendaItem as Record<string, unknown>[])[1]!).name = 'Haushaltssatzung 2026 (2. Lesung)';
    });

    const dry = await importOparl({ source: dir, db, tenant: 't', dryRun: true });
    expect(dry.applied).toBe(false);
    const k = dry.preview.kinds;
    expect(k.organizations.updated).toEqual([{ id: `${B}organization/cdu`, fields: ['name'] }]);
    expect(k.persons.removed).toEqual([{ id: `${B}person/8`, deleted: true }]);
    expect(k.memberships.removed.map((r) => r.id).sort()).toEqual([`${B}membership/8-gruene`, `${B}membership/8-hfa`]);
    expect(k.meetings.removed).toEqual([{ id: `${B}meeting/3`, deleted: false }]);
    expect(k.meetings.updated).toEqual([{ id: `${B}meeting/2`, fields: ['start'] }]);
    expect(k.agendaItems.updated).toEqual([{ id: `${B}agendaitem/1-2`, fields: ['name'] }]);
    expect(k.agendaItems.removed).toHaveLength(2);
    expect(dry.preview.total).toEqual({ added: 0, updated: 3, removed: 6, unchanged: 26 });
    expect((await store.list('t', 'organizations')).find((o) => o.id === `${B}organization/cdu`)!.name).toBe('CDU-Fraktion'); // dry run wrote nothing

    const real = await importOparl({ source: dir, db, tenant: 't' });
    expect(real.applied).toBe(true);
    expect(real.preview.total).toEqual(dry.preview.total);
    expect([await tableRows(db, 'oparl_organization'), await tableRows(db, 'oparl_person'), await tableRows(db, 'oparl_membership'), await tableRows(db, 'oparl_meeting'), await tableRows(db, 'oparl_agenda_item')]).toEqual([4, 8, 12, 3, 7]);
    expect((await store.list('t', 'organizations')).find((o) => o.id === `${B}organization/cdu`)!.name).toBe('CDU-Ratsfraktion');
    expect((await store.list('t', 'meetings')).find((m) => m.id === `${B}meeting/2`)!.start).toBe('2025-04-08T16:00:00.000Z');
    const persons = await store.list('t', 'persons');
    expect(persons.filter((p) => p.removedAt).map((p) => p.id)).toEqual([`${B}person/8`]);
    expect(persons.find((p) => p.id === `${B}person/8`)!.name).toBe('Ewa Nowak'); // kept, only marked
    expect((await store.list('t', 'meetings')).filter((m) => !m.removedAt)).toHaveLength(2);

    const back = await importOparl({ source: CLEAN, db, tenant: 't' });
    expect(back.preview.kinds.persons.updated).toEqual([{ id: `${B}person/8`, fields: ['removed'] }]);
    expect(back.preview.kinds.meetings.updated.map((u) => u.id).sort()).toEqual([`${B}meeting/2`, `${B}meeting/3`]);
    expect((await store.list('t', 'persons')).filter((p) => p.removedAt)).toEqual([]);
    expect(await tableRows(db, 'oparl_person')).toBe(8);
  });

  it('ORG-1 a write that fails midway leaves the database exactly as it was', async () => {
    const { model } = await walk(CLEAN);
    const db = memoryDb();
    const store = new OparlStore(db);
    await store.apply('t', model);
    const before = await snapshot(db);

    const changed: Model = structuredClone(model);
    changed.organizations[`${B}organization/cdu`]!.name = 'CDU-Ratsfraktion';
    delete changed.persons[`${B}person/2`];
    changed.agendaItems[`${B}agendaitem/3-3`] = { id: `${B}agendaitem/3-3`, meeting: `${B}meeting/3`, number: '3', name: 'Anfragen', public: true, order: 2 };
    // Agenda items are written last: organizations, persons and meetings are already written when this fails.
    await db.run(`CREATE TRIGGER fail_midway BEFORE INSERT ON oparl_agenda_item BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END`);

    await expect(store.apply('t', changed)).rejects.toThrow(/disk full/);
    expect(await snapshot(db)).toEqual(before);
    expect(await tableRows(db, 'oparl_import')).toBe(1);
    expect((await store.preview('t', changed)).total).toEqual({ added: 1, updated: 1, removed: 1, unchanged: 33 });

    await db.run('DROP TRIGGER fail_midway');
    expect((await store.apply('t', changed)).total).toEqual({ added: 1, updated: 1, removed: 1, unchanged: 33 });
    expect((await store.list('t', 'organizations')).find((o) => o.id === `${B}organization/cdu`)!.name).toBe('CDU-Ratsfraktion');
    expect(await tableRows(db, 'oparl_agenda_item')).toBe(8);
  });

  it('ORG-1 tolerates and reports every sloppiness of real endpoints (folder)', async () => {
    const { model, warnings, complete } = await walk(SLOPPY);
    expect(complete).toBe(true);
    expect(sizes(model)).toEqual({ bodies: 1, organizations: 4, persons: 3, memberships: 3, meetings: 3, agendaItems: 4 });

    // a single Body where the body list page belongs
    expect(has(warnings, 'single-object-list', `${B}bodies`)).toBe(true);
    expect(model.bodies[`${B}body/1`]).toEqual({ id: `${B}body/1`, name: 'Gemeinde Schlampighausen' }); // shortName "N/A"
    // an empty filtered list as 404, an empty page as bare []
    expect(warnings.find((w) => w.code === 'list-404')!.url).toBe(`${B}body/1/agendaItems?modified_since=2024-01-01T00:00:00%2B01:00`);
    expect(has(warnings, 'bare-array', `${B}body/1/organizations/page2`)).toBe(true);
    // deleted stub and deleted object without type
    expect(has(warnings, 'deleted', `${B}person/9`) && has(warnings, 'deleted', `${B}person/10`)).toBe(true);
    expect(model.deleted.sort()).toEqual([`${B}person/10`, `${B}person/9`]);
    expect(Object.values(model.persons).map((p) => p.name).sort()).toEqual(['Anna Alt', 'Bernd Brandt', 'Carla Conrad']);
    expect(has(warnings, 'missing-type', `${B}person/3`)).toBe(true);
    // "N/A" and blank strings are missing
    expect(warnings.find((w) => w.code === 'blank-value' && w.url === `${B}organization/cdu`)!.message).toMatch(/classification/);
    expect(model.organizations[`${B}organization/cdu`]).toEqual({ id: `${B}organization/cdu`, body: `${B}body/1`, name: 'CDU-Fraktion', organizationType: 'Fraktion' });
    expect(model.organizations[`${B}organization/fdp`]!.classification).toBeUndefined();
    expect(model.persons[`${B}person/1`]!.email).toBeUndefined();
    expect(model.memberships[`${B}membership/a`]!.role).toBeUndefined();
    expect(model.meetings[`${B}meeting/2`]!.location).toBeUndefined();
    expect(model.meetings[`${B}meeting/3`]!.name).toBe('SPD-Fraktion'); // name "N/A": named after its organization
    // raw control characters inside strings repaired
    expect(has(warnings, 'control-chars', `${B}body/1/meetings`)).toBe(true);
    expect(model.meetings[`${B}meeting/1`]!.name).toBe('Sitzung des\nHauptausschusses');
    expect(model.agendaItems[`${B}agendaitem/1-1`]!.name).toBe('Haushalt\t2026');
    // single values where arrays belong
    expect(warnings.find((w) => w.code === 'array-as-object' && w.url === `${B}person/2`)!.message).toMatch(/email, membership/);
    expect(warnings.find((w) => w.code === 'array-as-object' && w.url === `${B}meeting/1`)!.message).toMatch(/organization, agendaItem/);
    expect(model.persons[`${B}person/2`]).toEqual({ id: `${B}person/2`, name: 'Bernd Brandt', email: 'bernd.brandt@schlampighausen.example' });
    expect(model.memberships[`${B}membership/2-cdu`]).toEqual({ id: `${B}membership/2-cdu`, person: `${B}person/2`, organization: `${B}organization/cdu`, votingRight: true });
    // agenda order counted from 1 (and listed out of order) renumbered from 0
    expect(has(warnings, 'agenda-order', `${B}meeting/2`) && has(warnings, 'agenda-order', `${B}meeting/1`)).toBe(true);
    expect(agendaOf(model, `${B}meeting/2`).map((a) => [a.order, a.number, a.name, a.public])).toEqual([
      [0, '1', 'Eröffnung', true],
      [1, '2', 'Bauleitplanung', true],
      [2, '3', 'Grundstücksangelegenheit', false],
    ]);
    expect(model.agendaItems[`${B}agendaitem/1-1`]!.order).toBe(0);
    // an id that differs from the URL it was fetched from: kept under its id, references follow the alias
    expect(warnings.find((w) => w.code === 'id-mismatch')).toMatchObject({ url: `${B}organization/ausschuss`, message: expect.stringContaining(`${B}organization/hfa`) });
    expect(model.organizations[`${B}organization/ausschuss`]).toBeUndefined();
    expect(model.organizations[`${B}organization/hfa`]!.name).toBe('Hauptausschuss');
    expect(model.memberships[`${B}membership/b`]!.organization).toBe(`${B}organization/hfa`);
    expect(model.meetings[`${B}meeting/1`]!.organizations).toEqual([`${B}organization/hfa`]);
    // a cyclic links.next ends the list
    expect(has(warnings, 'cyclic-next', `${B}body/1/persons`)).toBe(true);
    // linked but missing persons and organizations: reported, memberships to them skipped
    expect(has(warnings, 'missing-link', `${B}person/ghost`) && has(warnings, 'missing-link', `${B}organization/gone`)).toBe(true);
    expect(warnings.filter((w) => w.code === 'membership-skipped').map((w) => w.url)).toEqual([`${B}membership/c`, `${B}membership/d`]);
    expect(Object.keys(model.memberships).sort()).toEqual([`${B}membership/2-cdu`, `${B}membership/a`, `${B}membership/b`]);
    expect(model.meetings[`${B}meeting/2`]!.organizations).toEqual([`${B}organization/spd`]);
    expect(model.meetings[`${B}meeting/3`]!.start).toBe('2025-06-02T16:00:00.000Z'); // "2025-06-02 18:00", local time
  });

  it('ORG-1 a deleted object that the previous import had is reported and marked as removed', async () => {
    const { model } = await walk(SLOPPY);
    const db = memoryDb();
    const store = new OparlStore(db);
    const previous: Model = structuredClone(model);
    previous.persons[`${B}person/9`] = { id: `${B}person/9`, name: 'Ina Weg' };
    await store.apply('t', previous);
    const p = await store.apply('t', model);
    expect(p.kinds.persons.removed).toEqual([{ id: `${B}person/9`, deleted: true }]);
    expect(p.total.removed).toBe(1);
    expect((await store.list('t', 'persons')).find((x) => x.id === `${B}person/9`)!.removedAt).toMatch(/^\d{4}-/);
  });

  it('ORG-1 reads the same councils from an OParl endpoint over HTTP (404 for missing objects and filtered lists, cyclic links.next)', async () => {
    const clean = await serve(CLEAN);
    const fromUrl = await walk(clean.system);
    expect(fromUrl.warnings).toEqual([]);
    expect(JSON.parse(JSON.stringify(fromUrl.model).replaceAll(clean.base, HOST))).toEqual((await walk(CLEAN)).model);
    expect(fromUrl.stats.requests).toBe(6);

    const sloppy = await serve(SLOPPY);
    const s = await walk(sloppy.system);
    const f = await walk(SLOPPY);
    expect(s.complete).toBe(true);
    expect(JSON.parse(JSON.stringify(s.model).replaceAll(sloppy.base, HOST))).toEqual(f.model);
    const codes = (ws: WalkWarning[]) => ws.map((w) => `${w.code} ${w.url}`).sort();
    expect(codes(s.warnings).map((c) => c.replace(sloppy.base, HOST))).toEqual(codes(f.warnings));
    expect(sloppy.requests.filter((r) => r === '/oparl/body/1/persons')).toHaveLength(1); // the cycle was not followed
    expect(sloppy.requests).toContain('/oparl/body/1/agendaItems?modified_since=2024-01-01T00:00:00%2B01:00'); // answered 404
    expect(sloppy.requests.filter((r) => r === '/oparl/person/ghost')).toHaveLength(1); // missing objects are asked for once

    const db = memoryDb();
    const r = await importOparl({ source: sloppy.system, db, tenant: 't' });
    expect(r.applied).toBe(true);
    expect(r.preview.kinds.persons.counts.added).toBe(3);
    expect((await new OparlStore(db).list('t', 'organizations')).map((o) => o.name).sort()).toEqual(['CDU-Fraktion', 'FDP-Fraktion', 'Hauptausschuss', 'SPD-Fraktion']);
  });

  it('ORG-1 enforces limits on pages, objects, response size and request time, and then writes nothing', async () => {
    const db = memoryDb();
    const pages = await importOparl({ source: CLEAN, db, tenant: 't', limits: { maxPages: 2 } });
    expect([pages.complete, pages.applied]).toEqual([false, false]);
    expect(pages.warnings.find((w) => w.code === 'limit')!.message).toMatch(/more than 2 list pages/);
    expect(pages.preview.total.added).toBeLessThan(35);

    const objects = await importOparl({ source: CLEAN, db, tenant: 't', limits: { maxObjects: 10 } });
    expect([objects.complete, objects.applied]).toEqual([false, false]);
    expect(objects.warnings.find((w) => w.code === 'limit')!.message).toMatch(/more than 10 objects/);

    const clean = await serve(CLEAN);
    const bytes = await importOparl({ source: clean.system, db, tenant: 't', limits: { maxBytes: statSync(join(CLEAN, 'system.json')).size + 50 } });
    expect([bytes.complete, bytes.applied]).toEqual([false, false]);
    expect(bytes.warnings.find((w) => w.code === 'fetch-failed')).toMatchObject({ url: `${clean.base}/oparl/bodies`, message: expect.stringMatching(/larger than/) });

    const hanging = await serve(CLEAN, { '/oparl/body/1/meetings': () => {} });
    const t0 = Date.now();
    const slow = await importOparl({ source: hanging.system, db, tenant: 't', limits: { timeoutMs: 300 } });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect([slow.complete, slow.applied]).toEqual([false, false]);
    expect(slow.warnings.find((w) => w.code === 'fetch-failed')).toMatchObject({ url: `${hanging.base}/oparl/body/1/meetings`, message: 'no complete answer within 300 ms' });
    expect(await storedRows(db)).toBe(0);
  });

  it('ORG-1 importOparl logs a readable summary, previews on a dry run, applies otherwise, and refuses an unknown source', async () => {
    const db = memoryDb();
    const lines: string[] = [];
    const dry = await importOparl({ source: CLEAN, db, tenant: 'muster', dryRun: true, log: (l) => lines.push(l) });
    expect(dry.applied).toBe(false);
    expect(lines).toContain('dry run: nothing written');
    expect(lines).toContain('persons: 8 added, 0 updated, 0 removed, 0 unchanged');
    expect(lines).toContain(`read 37 objects on 5 list pages (6 requests) from system ${B}system`);
    expect(await storedRows(db)).toBe(0);

    lines.length = 0;
    expect((await importOparl({ source: CLEAN, db, tenant: 'muster', log: (l) => lines.push(l) })).applied).toBe(true);
    expect(lines.at(-1)).toBe('imported into tenant muster (0 warnings)');
    lines.length = 0;
    await importOparl({ source: SLOPPY, db, tenant: 'muster', log: (l) => lines.push(l) });
    expect(lines).toContain(`warning [cyclic-next] ${B}body/1/persons: links.next leads back to a page already read; list ${B}body/1/persons ends here`);
    // the sloppy council shares the system URL with the clean one, so what it lacks is reported removed
    expect(lines).toContain(`  removed ${B}person/8`);

    await expect(importOparl({ source: join(FIX, 'nope'), db, tenant: 'muster' })).rejects.toThrow(/neither an http\(s\) URL nor a folder/);
  });

  it('ORG-1 escapes raw control characters only inside JSON strings', () => {
    expect(parseJson('{\n\t"a": "x\ty\nz\u0001",\r\n "b": "q\\"\t"}')).toEqual({ json: { a: 'x\ty\nz\u0001', b: 'q"\t' }, repaired: 4 });
    expect(parseJson('\ufeff{"a": 1}')).toEqual({ json: { a: 1 }, repaired: 0 });
    expect(() => parseJson('{"a": }')).toThrow();
  });
});

/**
 * ORG-1 persons from OParl are one person per OParl id (issue 10, "Real tenants"): a person listed in
 * several bodies, with several memberships in one body, and imported again (in another order) stays one
 * row with every membership, and a meeting set up from the import names them once.
 * The source is a folder of OParl JSON written here, as a council information system would serve it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDirectory } from '../../relay/identity-schema.js';
import type { Sql } from '../../relay/sql.js';
import { afterEach, describe, expect, it } from 'vitest';
import { MasterData } from '../../relay/master-data.js';
import { importOparl } from '../../relay/oparl/command.js';
import type { Store } from '../../relay/store.js';
import type { DirectoryData } from '../../web/views/admin/Admin.js';
import { setupFromOparl } from '../../web/views/admin/setup.js';

const H = 'https://ris.example.org/oparl';
const T = (t: string) => `https://schema.oparl.org/1.1/${t}`;
const MARIA = `${H}/person/1`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Two bodies (the city council and a district council); Maria Schneider sits in both, with a role change in the district. */
function source(bodyOrder: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ratsraum-oparl-merge-'));
  dirs.push(dir);
  const put = (path: string, json: unknown) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, `${path}.json`), JSON.stringify(json));
  };
  const list = (data: unknown[]) => ({ data, links: {} });
  const ms = (id: string, org: string, extra: object = {}) => ({ id: `${H}/membership/${id}`, type: T('Membership'), organization: `${H}/organization/${org}`, votingRight: true, ...extra });
  const maria = (memberships: unknown[]) => ({ id: MARIA, type: T('Person'), name: 'Maria Schneider', email: ['maria@musterstadt.example'], membership: memberships });
  put('system', { id: `${H}/system`, type: T('System'), body: `${H}/bodies` });
  put('bodies', list(bodyOrder.map((b) => ({ id: `${H}/body/${b}`, type: T('Body'), name: b === 1 ? 'Stadt Musterstadt' : 'Bezirk Mitte', organization: `${H}/body/${b}/organizations`, person: `${H}/body/${b}/persons`, meeting: `${H}/body/${b}/meetings` }))));
  put('body/1/organizations', list([{ id: `${H}/organization/rat`, type: T('Organization'), name: 'Rat der Stadt', organizationType: 'Gremium' }, { id: `${H}/organization/spd`, type: T('Organization'), name: 'SPD-Fraktion', classification: 'Fraktion' }]));
  put('body/2/organizations', list([{ id: `${H}/organization/bv`, type: T('Organization'), name: 'Bezirksvertretung Mitte', organizationType: 'Gremium' }]));
  put('body/1/persons', list([maria([ms('1-rat', 'rat'), ms('1-spd', 'spd')]), { id: `${H}/person/2`, type: T('Person'), name: 'Thomas Becker', membership: [ms('2-rat', 'rat')] }]));
  // Listed again in the district, with that body's memberships: "Mitglied" until the role change, then "Vorsitz".
  put('body/2/persons', list([maria([ms('1-bv-a', 'bv', { role: 'Mitglied', startDate: '2020-11-01' }), ms('1-bv-b', 'bv', { role: 'Vorsitz', startDate: '2024-01-01' })]), { id: `${H}/person/3`, type: T('Person'), name: 'Jonas Weber', membership: [ms('3-bv', 'bv')] }]));
  put('body/1/meetings', list([]));
  put('body/2/meetings', list([{ id: `${H}/meeting/bv-1`, type: T('Meeting'), name: '5. Sitzung der Bezirksvertretung', start: '2026-12-10T17:00:00+01:00', organization: [`${H}/organization/bv`] }]));
  return dir;
}

const rows = async (db: Sql, table: string, where = '') => (await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} ${where}`))!.n;

describe('OParl persons merged by their OParl id', () => {
  it('ORG-1 (persons merged) a person in several bodies and with several memberships is one person with all memberships, also after re-import in another order, and a meeting names them once', async () => {
    const db = openSqliteDirectory(':memory:');
    const first = await importOparl({ source: source([1, 2]), db, tenant: 't' });
    expect(first.applied).toBe(true);
    const master = new MasterData(db, { meetings: () => [] } as unknown as Store, '/nonexistent');
    const check = async () => {
      const m = await master.master('t');
      expect(m.persons.filter((p) => p.id === MARIA)).toHaveLength(1);
      expect(m.persons).toHaveLength(3);
      expect(m.memberships.filter((x) => x.person === MARIA).map((x) => x.id.split('/').pop()).sort()).toEqual(['1-bv-a', '1-bv-b', '1-rat', '1-spd']);
      expect(await rows(db, 'oparl_person')).toBe(3);
      expect(await rows(db, 'oparl_membership', 'WHERE removed_at IS NOT NULL')).toBe(0);
      return m;
    };
    await check();

    // The council information system lists the bodies the other way round the next time.
    const again = await importOparl({ source: source([2, 1]), db, tenant: 't' });
    expect(again.preview.total).toMatchObject({ added: 0, removed: 0, updated: 0 });
    const m = await check();

    const d = { ...m, certs: [], enrolments: [], invitations: [], meetings: [], tenant: 't', tenantKey: '00'.repeat(32) } as unknown as DirectoryData;
    const plan = setupFromOparl(d, `${H}/meeting/bv-1`, 'in-person');
    const key = m.persons.find((p) => p.id === MARIA)!.key;
    expect(plan.setup.persons.filter((p) => p.id === key)).toHaveLength(1);
    expect(plan.setup.persons.map((p) => p.name).sort()).toEqual(['Jonas Weber', 'Maria Schneider']);
    expect(plan.setup.body.statutoryMembers).toBe(2);
    await db.close();
  });
});

/** The kind registry (core/kinds.ts) against docs/PROTOCOL.md's "Entry kinds" table, which an independent implementer reads. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../crypto/cert.js';
import { ADMIN_KINDS, schemas } from '../../core/entries.js';
import { kinds } from '../../core/kinds.js';

interface Row {
  doc: string;
  who: string;
}

/** The table's rows by kind; a row naming several kinds (`a`, `b`) stands for each. */
function table(): Map<string, Row> {
  const md = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
  const section = md.slice(md.indexOf('## Entry kinds'), md.indexOf('\n## ', md.indexOf('## Entry kinds') + 1));
  const rows = new Map<string, Row>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 4 || !cells[0]!.startsWith('`')) continue;
    for (const [, kind] of cells[0]!.matchAll(/`([^`]+)`/g)) rows.set(kind!, { doc: cells[2]!, who: cells[3]! });
  }
  return rows;
}

/** The roles a "who may" cell names: in backticks, as the table writes them. */
const rolesIn = (who: string) => [...who.matchAll(/`([a-z]+)`/g)].map((m) => m[1]!).filter((r) => (ROLES as readonly string[]).includes(r)).sort();

const DUTY_WORDS = { voter: 'voter', trustee: 'trustee', drawer: 'drawer', person: 'person of the body' } as const;

describe('the kind registry', () => {
  it('SEC-4 (fold as a registry) docs/PROTOCOL.md names every registry kind, and no other, with its document and roles', () => {
    const rows = table();
    expect([...rows.keys()].sort()).toEqual(Object.keys(kinds).sort());
    for (const [kind, spec] of Object.entries(kinds)) {
      const row = rows.get(kind)!;
      expect({ kind, doc: row.doc }).toEqual({ kind, doc: spec.doc });
      const who = spec.who;
      expect({ kind, roles: rolesIn(row.who) }).toEqual({ kind, roles: 'roles' in who ? [...who.roles].sort() : [] });
      if ('self' in who) expect(row.who, kind).toMatch(/own device/);
      if ('duty' in who) expect(row.who, kind).toContain(DUTY_WORDS[who.duty]);
    }
  });

  it('SEC-4 (fold as a registry) every domain kind has its payload schema in the registry, and the admin kinds the audit log lists are those only an admin makes', () => {
    expect(Object.keys(kinds).filter((k) => k !== 'y').sort()).toEqual(Object.keys(schemas).sort());
    for (const [kind, schema] of Object.entries(schemas)) expect(kinds[kind as keyof typeof schemas].schema).toBe(schema);
    const adminOnly = Object.entries(kinds).filter(([, s]) => 'denied' in s.who && s.who.roles.join() === 'admin');
    expect(adminOnly.map(([k]) => k).sort()).toEqual([...ADMIN_KINDS].sort());
  });
});

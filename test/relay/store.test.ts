/**
 * The relay store's contract, written once so every implementation runs it (SQLite now, PostgreSQL later),
 * plus SQLite's schema versioning.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, SCHEMA_VERSION, type Store, type StoredEnvelope } from '../../relay/store.js';
import { cleanup, tempDir } from '../helpers/relay.js';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const env = (doc: string, author: string, seq: number, tag = ''): StoredEnvelope => ({
  doc,
  author,
  seq,
  id: `${doc}${author.slice(0, 2)}${seq}${tag}`.padEnd(64, '0'),
  wire: new TextEncoder().encode(`${doc}/${author}/${seq}${tag}`),
});

function storeSuite(name: string, open: () => { store: Store; reopen: () => Store }) {
  describe(name, () => {
    it('keeps envelopes per meeting in insertion order with frontier, lookups and what a frontier lacks', () => {
      const { store } = open();
      const list = [env('public', A, 1), env('members', A, 1), env('public', B, 1), env('public', A, 2), env('members', B, 1)];
      for (const e of list) store.insert('t', 'm', e);
      store.insert('t', 'other', env('public', A, 1, 'x'));
      expect(store.count()).toBe(6);
      expect(store.all('t', 'm', ['public', 'members']).map((e) => e.id)).toEqual(list.map((e) => e.id));
      expect(store.frontier('t', 'm', ['public', 'members'])).toEqual({ public: { [A]: 2, [B]: 1 }, members: { [A]: 1, [B]: 1 } });
      expect(store.frontier('t', 'm', ['public'])).toEqual({ public: { [A]: 2, [B]: 1 } });
      expect(store.missingFor('t', 'm', ['public', 'members'], { public: { [A]: 1 }, members: { [B]: 1 } }).map((e) => e.id)).toEqual([list[1]!.id, list[2]!.id, list[3]!.id]);
      expect(store.missingFor('t', 'm', ['public'], {}).every((e) => e.doc === 'public')).toBe(true);
      const got = store.get('t', 'm', list[3]!.id)!;
      expect(got).toEqual({ ...list[3], wire: list[3]!.wire });
      expect(got.wire).toBeInstanceOf(Uint8Array);
      expect(store.get('t', 'other', list[3]!.id)).toBeUndefined();
      expect(store.has('t', 'm', list[0]!.id)).toBe(true);
      expect(store.hasIds('t', 'm', [list[0]!.id, 'f'.repeat(64), list[4]!.id])).toEqual(new Set([list[0]!.id, list[4]!.id]));
      expect(store.at('t', 'm', 'public', A, 2)?.id).toBe(list[3]!.id);
      expect(store.head('t', 'm', 'public', A)).toBe(2);
      expect(store.head('t', 'm', 'members', 'c'.repeat(64))).toBe(0);
      expect(store.get('t', 'm', list[1]!.id)?.doc).toBe('members');
      expect(store.meetings('t')).toEqual(['m', 'other']);
    });

    it('refuses a second envelope for one (doc, author, seq) and a second copy of one id', () => {
      const { store } = open();
      store.insert('t', 'm', env('public', A, 1));
      expect(() => store.insert('t', 'm', env('public', A, 1, 'twin'))).toThrow();
      expect(() => store.insert('t', 'm', { ...env('public', A, 2), id: env('public', A, 1).id })).toThrow();
      expect(store.count()).toBe(1);
    });

    it('keeps tenants and certificates, and everything across a reopen', () => {
      const { store, reopen } = open();
      store.putTenant('t', A);
      const cert = { body: { v: 1, tenant: 't', person: 'p', name: 'P', device: B, roles: ['member'], bodies: [], notBefore: 0, notAfter: 1 }, sig: 'c'.repeat(128) } as const;
      store.putCert(cert as never);
      store.insert('t', 'm', env('public', A, 1));
      store.close();
      const again = reopen();
      expect(again.tenantKey('t')).toBe(A);
      expect(again.tenants()).toEqual(['t']);
      expect(again.cert('t', B)).toEqual(cert);
      expect(again.certs('t')).toEqual([cert]);
      expect(again.all('t', 'm', ['public'])).toHaveLength(1);
      expect(again.ping()).toBe(true);
      again.close();
    });
  });
}

storeSuite('SQLite store', () => {
  const dir = tempDir();
  dirs.push(dir);
  const file = join(dir, 'relay.sqlite');
  return { store: openSqlite(file), reopen: () => openSqlite(file) };
});

describe('SQLite schema versions', () => {
  it('migrates a fresh database to the current version and refuses one from a newer relay', () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'relay.sqlite');
    openSqlite(file).close();
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqlite(file)).toThrow(/newer than this relay/);
  });

  it('brings a database of the first schema version up to date without losing envelopes', () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'relay.sqlite');
    const s = openSqlite(file);
    s.insert('t', 'm', env('public', A, 1));
    s.close();
    const db = new Database(file);
    db.exec('DROP INDEX envelopes_meeting_n');
    db.pragma('user_version = 1');
    db.close();
    const again = openSqlite(file);
    expect(again.all('t', 'm', ['public'])).toHaveLength(1);
    again.close();
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'envelopes_meeting_n'").get()).toBeDefined();
    check.close();
  });
});

/**
 * The relay store's contract, written once: store.test.ts runs it on SQLite, store-pg.test.ts on PostgreSQL.
 * `raw` reads the envelopes straight from the database (better-sqlite3 / a pg client of its own), so what is
 * checked is what lies on disk, not what the store's own code hands back.
 */
import { describe, expect, it } from 'vitest';
import type { Cert } from '../../crypto/cert.js';
import type { SignedBeacon } from '../../core/wire.js';
import type { Store, StoredEnvelope } from '../../relay/store.js';

export interface StoreHarness {
  store: Store;
  /** The same database opened again (after `store.close()`). */
  reopen: () => Promise<Store>;
  /** Rows of the envelope table for the tenant and meeting, in insertion order, read without the store. */
  raw: (tenant: string, meeting: string) => Promise<{ id: string; wire: Uint8Array }[]>;
}

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
export const env = (doc: string, author: string, seq: number, tag = ''): StoredEnvelope => ({
  doc,
  author,
  seq,
  id: `${doc}${author.slice(0, 2)}${seq}${tag}`.padEnd(64, '0'),
  wire: new TextEncoder().encode(`${doc}/${author}/${seq}${tag}`),
});

const cert = (device: string, issued: number, extra: Record<string, unknown> = {}, tenant = 't'): Cert =>
  ({
    body: { v: 1, tenant, person: 'p', name: 'P', device, roles: ['member'], bodies: [], notBefore: issued, notAfter: issued + 1000, ...extra },
    sig: `${issued.toString(16)}${device.slice(0, 4)}${tenant}`.padEnd(128, 'c'),
  }) as never;

const beacon = (author: string, at: number, meeting = 'm'): SignedBeacon => ({ tenant: 't', meeting, author, at, frontier: { public: { [author]: at } }, sig: `${at}`.padEnd(128, 'e') });

export function storeSuite(name: string, open: () => Promise<StoreHarness>): void {
  describe(name, { timeout: 60_000 }, () => {
    it('SEC-1 keeps envelopes per meeting in insertion order with frontier, lookups and what a frontier lacks; the stored bytes are the sent bytes', async () => {
      const { store, raw } = await open();
      const list = [env('public', A, 1), env('members', A, 1), env('public', B, 1), env('public', A, 2), env('members', B, 1)];
      for (const e of list) await store.insert('t', 'm', e);
      await store.insert('t', 'other', env('public', A, 1, 'x'));
      expect(await store.count()).toBe(6);
      expect((await store.all('t', 'm', ['public', 'members'])).map((e) => e.id)).toEqual(list.map((e) => e.id));
      expect(await store.frontier('t', 'm', ['public', 'members'])).toEqual({ public: { [A]: 2, [B]: 1 }, members: { [A]: 1, [B]: 1 } });
      expect(await store.frontier('t', 'm', ['public'])).toEqual({ public: { [A]: 2, [B]: 1 } });
      expect(await store.frontier('t', 'nothing', ['public'])).toEqual({});
      expect((await store.missingFor('t', 'm', ['public', 'members'], { public: { [A]: 1 }, members: { [B]: 1 } })).map((e) => e.id)).toEqual([list[1]!.id, list[2]!.id, list[3]!.id]);
      expect((await store.missingFor('t', 'm', ['public'], {})).every((e) => e.doc === 'public')).toBe(true);
      const got = (await store.get('t', 'm', list[3]!.id))!;
      expect(got).toEqual({ ...list[3], wire: list[3]!.wire });
      expect(got.wire).toBeInstanceOf(Uint8Array);
      expect(await store.get('t', 'other', list[3]!.id)).toBeUndefined();
      expect(await store.has('t', 'm', list[0]!.id)).toBe(true);
      expect(await store.has('t', 'other', list[0]!.id)).toBe(false);
      expect(await store.hasIds('t', 'm', [list[0]!.id, 'f'.repeat(64), list[4]!.id])).toEqual(new Set([list[0]!.id, list[4]!.id]));
      expect((await store.at('t', 'm', 'public', A, 2))?.id).toBe(list[3]!.id);
      expect(await store.at('t', 'm', 'public', A, 3)).toBeUndefined();
      expect((await store.chainAt('t', 'm', 'public', A, 3)).head).toBe(2);
      expect((await store.chainAt('t', 'm', 'members', 'c'.repeat(64), 1)).head).toBe(0);
      expect(await store.meetings('t')).toEqual(['m', 'other']);
      expect(await store.chainsOf('t', A)).toEqual({ 'm/public': 2, 'm/members': 1, 'other/public': 1 });
      // On disk: every byte as sent, in insertion order.
      const rows = await raw('t', 'm');
      expect(rows.map((r) => r.id)).toEqual(list.map((e) => e.id));
      rows.forEach((r, i) => expect(Buffer.from(r.wire).equals(Buffer.from(list[i]!.wire))).toBe(true));
      await store.close();
    });

    it('AV-1 refuses a second envelope for one (doc, author, seq) and a second copy of one id, also when sent at once, and keeps the first', async () => {
      const { store, raw } = await open();
      await store.insert('t', 'm', env('public', A, 1));
      await expect(store.insert('t', 'm', env('public', A, 1, 'twin'))).rejects.toThrow();
      await expect(store.insert('t', 'm', { ...env('public', A, 2), id: env('public', A, 1).id })).rejects.toThrow();
      // Racing twins (two connections of one device): exactly one is stored.
      const racing = await Promise.allSettled([store.insert('t', 'm', env('public', A, 2, 'x')), store.insert('t', 'm', env('public', A, 2, 'y'))]);
      expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await store.count()).toBe(2);
      expect((await raw('t', 'm')).map((r) => r.id)).toEqual([env('public', A, 1).id, (await store.at('t', 'm', 'public', A, 2))!.id]);
      await store.close();
    });

    it('SEC-4 keeps tenants apart: the same ids and meetings in two tenants are two logs, certificates and keys are per tenant', async () => {
      const { store, raw } = await open();
      await store.putTenant('t', A);
      await store.putTenant('u', B);
      await store.putTenant('u', 'd'.repeat(64)); // a tenant's key is replaced, never another's
      await store.insert('t', 'm', env('public', A, 1));
      await store.insert('u', 'm', env('public', A, 1));
      await store.putCert(cert(A, 1));
      await store.putCert(cert(A, 2, {}, 'u'));
      expect(await store.tenants()).toEqual(['t', 'u']);
      expect(await store.tenantKey('t')).toBe(A);
      expect(await store.tenantKey('u')).toBe('d'.repeat(64));
      expect(await store.tenantKey('nobody')).toBeUndefined();
      expect((await store.certs('t')).map((c) => c.body.tenant)).toEqual(['t']);
      expect((await store.certHistory('u', A)).map((c) => c.body.notBefore)).toEqual([2]);
      expect(await store.frontier('t', 'm', ['public'])).toEqual({ public: { [A]: 1 } });
      expect(await raw('t', 'm')).toHaveLength(1);
      expect(await raw('u', 'm')).toHaveLength(1);
      expect(await store.meetings('nobody')).toEqual([]);
      await store.close();
    });

    it('SEC-3 keeps every certificate version as history (a version held is ignored), the current one being the first revocation or else the newest', async () => {
      const { store } = await open();
      await store.putCert(cert(B, 20));
      await store.putCert(cert(B, 10));
      await store.putCert(cert(B, 10)); // held already (same signature)
      await store.putCert(cert(A, 5));
      expect((await store.certHistory('t', B)).map((c) => c.body.notBefore)).toEqual([10, 20]);
      expect((await store.cert('t', B))?.body.notBefore).toBe(20);
      expect((await store.certs('t')).map((c) => [c.body.device.slice(0, 1), c.body.notBefore])).toEqual([
        ['a', 5],
        ['b', 10],
        ['b', 20],
      ]);
      await store.putCert(cert(B, 15, { revoked: 15 }));
      await store.putCert(cert(B, 30));
      expect((await store.cert('t', B))?.body.revoked).toBe(15); // a revocation stays in force whatever comes after
      expect(await store.certHistory('t', B)).toHaveLength(4);
      expect(await store.cert('t', 'f'.repeat(64))).toBeUndefined();
      await store.close();
    });

    it("SEC-1 SEC-3 answers in one lookup what checking an entry takes: the tenant key with the author's certificate versions; the id at a seq, the head and the predecessor; the stored dependencies", async () => {
      const { store } = await open();
      expect(await store.authorCerts('t', B)).toEqual({ tenantKey: undefined, history: [] });
      await store.putCert(cert(B, 20));
      expect(await store.authorCerts('t', B)).toEqual({ tenantKey: undefined, history: [cert(B, 20)] }); // no key: nothing can be checked
      await store.putTenant('t', 'k'.repeat(64));
      await store.putCert(cert(B, 10));
      await store.putCert(cert(B, 10, {}, 'u'));
      expect(await store.authorCerts('t', B)).toEqual({ tenantKey: 'k'.repeat(64), history: [cert(B, 10), cert(B, 20)] });
      expect(await store.authorCerts('t', A)).toEqual({ tenantKey: 'k'.repeat(64), history: [] });

      expect(await store.chainAt('t', 'm', 'public', A, 1)).toEqual({ at: undefined, head: 0, prev: undefined });
      const [a1, a2, b1] = [env('public', A, 1), env('public', A, 2), env('public', B, 1)];
      for (const e of [a1, a2, b1, env('members', A, 1)]) await store.insert('t', 'm', e);
      for (const seq of [1, 2, 3]) await store.insert('t', 'other', env('public', A, seq, 'x'));
      expect(await store.chainAt('t', 'm', 'public', A, 3)).toEqual({ at: undefined, head: 2, prev: a2 });
      expect(await store.chainAt('t', 'm', 'public', A, 2)).toEqual({ at: a2.id, head: 2, prev: a1 });
      expect(await store.chainAt('t', 'm', 'public', A, 1)).toEqual({ at: a1.id, head: 2, prev: undefined });
      expect(await store.chainAt('t', 'm', 'public', A, 5)).toEqual({ at: undefined, head: 2, prev: undefined }); // a gap
      expect(await store.chainAt('t', 'm', 'members', A, 2)).toMatchObject({ head: 1, prev: { doc: 'members', seq: 1 } });
      expect(await store.chainAt('t', 'other', 'public', A, 2)).toMatchObject({ at: env('public', A, 2, 'x').id, head: 3, prev: env('public', A, 1, 'x') }); // per meeting
      expect((await store.getMany('t', 'm', [b1.id, 'f'.repeat(64), a1.id])).sort((x, y) => x.seq - y.seq || x.author.localeCompare(y.author))).toEqual([a1, b1]);
      expect(await store.getMany('t', 'm', [])).toEqual([]);
      expect(await store.getMany('u', 'm', [a1.id])).toEqual([]);
      await store.close();
    });

    it('SEC-1 keeps the newest signed beacon per device and scope of a meeting, and the newest beacon time overall', async () => {
      const { store } = await open();
      expect(await store.newestBeacon()).toBe(0);
      await store.putBeacon('t', 'm', 'public', beacon(A, 100));
      await store.putBeacon('t', 'm', 'public', beacon(A, 50)); // older: ignored
      await store.putBeacon('t', 'm', 'public+members', beacon(A, 70));
      await store.putBeacon('t', 'm', 'public', beacon(B, 80));
      await store.putBeacon('t', 'n', 'public', beacon(A, 300, 'n'));
      expect((await store.beacons('t', 'm')).map((b) => [b.author.slice(0, 1), b.at])).toEqual([
        ['a', 100],
        ['a', 70],
        ['b', 80],
      ]);
      await store.putBeacon('t', 'm', 'public', beacon(A, 200));
      expect((await store.beacons('t', 'm')).find((b) => b.author === A && b.at > 100)?.at).toBe(200);
      expect(await store.beacons('t', 'other')).toEqual([]);
      expect(await store.newestBeacon()).toBe(300);
      await store.close();
    });

    it('AV-1 pages a meeting in insertion order from any position, and counts envelopes and bytes per author for quotas', async () => {
      const { store } = await open();
      const list = Array.from({ length: 7 }, (_, i) => env(i % 2 ? 'members' : 'public', i % 3 ? A : B, i + 1));
      for (const e of list) await store.insert('t', 'm', e);
      await store.insert('t', 'x', env('public', A, 1, 'other'));
      const seen: string[] = [];
      for (let after = 0; ; ) {
        const rows = await store.page('t', 'm', after, 3);
        seen.push(...rows.map((r) => r.id));
        if (rows.length < 3) break;
        expect(rows.every((r, i) => i === 0 || r.n > rows[i - 1]!.n)).toBe(true);
        after = rows.at(-1)!.n;
      }
      expect(seen).toEqual(list.map((e) => e.id));
      expect((await store.page('t', 'm', 0, 2))[1]!.wire).toBeInstanceOf(Uint8Array);
      const usage = Object.fromEntries((await store.usage('t', 'm')).map((u) => [u.author.slice(0, 1), [u.count, u.bytes]]));
      const bytes = (a: string) => list.filter((e) => e.author === a).reduce((n, e) => n + e.wire.length, 0);
      expect(usage).toEqual({ a: [list.filter((e) => e.author === A).length, bytes(A)], b: [list.filter((e) => e.author === B).length, bytes(B)] });
      expect(await store.usage('t', 'none')).toEqual([]);
      expect(await store.ping()).toBe(true);
      await store.close();
    });

    it('AV-1 keeps tenants, certificates, beacons and envelopes across a reopen', async () => {
      const { store, reopen } = await open();
      await store.putTenant('t', A);
      const c = cert(B, 1);
      await store.putCert(c);
      await store.putBeacon('t', 'm', 'public', beacon(B, 9));
      await store.insert('t', 'm', env('public', A, 1));
      await store.close();
      const again = await reopen();
      expect(await again.tenantKey('t')).toBe(A);
      expect(await again.tenants()).toEqual(['t']);
      expect(await again.cert('t', B)).toEqual(c);
      expect(await again.certs('t')).toEqual([c]);
      expect((await again.beacons('t', 'm')).map((b) => b.at)).toEqual([9]);
      expect(await again.all('t', 'm', ['public'])).toHaveLength(1);
      expect(await again.ping()).toBe(true);
      await again.close();
    });
  });
}

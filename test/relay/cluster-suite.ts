/**
 * Several relays behind one address (issue 15, docs/ops/data-centre.md), written once: two relay processes on
 * one shared store and a real redis-server as their bus. cluster.test.ts runs it on one SQLite data folder,
 * cluster-pg.test.ts on PostgreSQL with a data folder per relay (as on two hosts: only the key files are
 * copied). Proven on what an outsider sees: raw frames on the sockets, the rows of the database, answers of the
 * HTTP side.
 */
import { join } from 'node:path';
import { Redis as RedisClient } from 'ioredis';
import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { issue } from '../../crypto/cert.js';
import { decode } from '../../crypto/envelope.js';
import { generateSeed, signerFromSeed } from '../../crypto/ed25519.js';
import { dhFromSeed } from '../../crypto/seal.js';
import { stateHash } from '../../core/state.js';
import { sessionInput } from '../../core/identity.js';
import { encodeControl } from '../../core/wire.js';
import { type Demo, makeDemo } from '../../relay/demo.js';
import { openIdentityDatabases } from '../../relay/store-open.js';
import type { Store } from '../../relay/store.js';
import { encodeMessage, meetingChannel } from '../../relay/sync/cluster.js';
import { Totp } from '../../relay/totp.js';
import { type RelayChild, type Redis, relayChild, startRedis } from '../helpers/cluster.js';
import { demoSigner, device, type NodeDevice, online, rawClient, until } from '../helpers/relay.js';

/** Where the two relays keep their data. */
export interface ClusterPlace {
  /** Relay A's and relay B's data folders (the same one on one host); key files alike in both. */
  dataDirs: [string, string];
  /** `--store` of both relays (undefined: SQLite in the data folder). */
  store?: string;
  /** The shared store, opened by the test itself. */
  openStore: () => Promise<Store>;
  /** Per envelope id of the meeting, how many rows the database holds, read without the relay's code. */
  envelopeRows: (tenant: string, meeting: string) => Promise<{ id: string; n: number }[]>;
  stop: () => Promise<void>;
}

export function clusterSuite(name: string, place: (demos: Demo[]) => Promise<ClusterPlace>): void {

  const a = makeDemo();
  const b = { ...makeDemo(), tenant: 'nachbarstadt' }; // the same meeting id in another municipality
  const outsiderSeed = generateSeed(); // a device of tenant A certified for another body
  const stops: (() => unknown)[] = [];
  let redis: Redis;
  let at: ClusterPlace;
  let relayA: RelayChild;
  let relayB: RelayChild;
  const EXPORT_RATE = { burst: 6, perSecond: 0.001 };

  beforeAll(async () => {
    redis = await startRedis();
    stops.push(() => redis.stop());
    at = await place([a, b]);
    stops.push(() => at.stop());
    const store = await at.openStore();
    const tenantKey = await signerFromSeed(fromHex(a.tenantSeed, 32));
    const outsider = await signerFromSeed(outsiderSeed);
    const now = Date.now();
    await store.putCert(await issue({ v: 1, tenant: a.tenant, person: 'h01', name: 'Hanna Ausschuss', device: toHex(outsider.publicKey), dh: toHex(dhFromSeed(outsiderSeed).publicKey), roles: ['member'], bodies: ['schulausschuss'], notBefore: now - 86_400_000, notAfter: now + 86_400_000 }, tenantKey));
    await store.close();
    const extra = { anonymousRate: EXPORT_RATE, hub: { cluster: { pollMs: 300, presenceBeatMs: 1000 } }, ...(at.store ? { store: at.store } : {}) };
    [relayA, relayB] = await Promise.all([relayChild('A', at.dataDirs[0], redis.url, extra), relayChild('B', at.dataDirs[1], redis.url, extra)]);
    stops.push(() => relayA.kill(), () => relayB.kill());
  }, 240_000);

  afterAll(async () => {
    for (const s of stops.splice(0).reverse()) await s();
  });

  const stop = (...ds: NodeDevice[]) => stops.push(() => ds.forEach((d) => d.client.stop()));
  const envelopesOf = (c: { envelopes: Uint8Array[][] }) => c.envelopes.flat().map((w) => decode(w));

  describe(name, () => {
    it('SEC-4 tenants and bodies stay separated across relays: sockets on relay B get nothing of tenant A\'s meeting accepted on relay A that they may not read, not even from a forged bus message', async () => {
      const chairA = await device(a, 'm01', [relayA.wsUrl]);
      stop(chairA);
      await online(chairA);
      // On relay B: tenant B's member and public in B's meeting of the same id, A's device of another body, A's public.
      const bMember = await rawClient(relayB.wsUrl, { tenant: b.tenant, meeting: b.meeting, login: await demoSigner(b, 'm02') });
      const bPublic = await rawClient(relayB.wsUrl, { tenant: b.tenant, meeting: b.meeting, public: true });
      const outsider = await rawClient(relayB.wsUrl, { tenant: a.tenant, meeting: a.meeting, login: await signerFromSeed(outsiderSeed) });
      const aPublic = await rawClient(relayB.wsUrl, { tenant: a.tenant, meeting: a.meeting, public: true });
      const aMember = await rawClient(relayB.wsUrl, { tenant: a.tenant, meeting: a.meeting, login: await demoSigner(a, 'm02') });
      stops.push(() => [bMember, bPublic, outsider, aPublic, aMember].forEach((c) => c.close()));
      expect(outsider.of('welcome')[0]!.docs).toEqual(['public']);

      await chairA.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
      await chairA.replica.create('item.current', { item: 'n1' }, 'members');
      const current = await chairA.replica.create('item.current', { item: 'n2' }, 'members');
      const marker = await chairA.replica.create('attendance.in', { person: 'm01', place: 'remote' });
      // The bus carries A's public entries to relay B (so the silence below is not a dead bus) ...
      await until(() => envelopesOf(aPublic).some((e) => e.id === marker.id) && envelopesOf(outsider).some((e) => e.id === marker.id), "A's public marker on relay B", 60_000);
      // ... and the members' entries, made before the marker, to A's member there, but to no socket without the body.
      await until(() => envelopesOf(aMember).some((e) => e.id === current.id), "A's members' entry reaches A's member on relay B", 60_000);
      for (const c of [aPublic, outsider]) expect(envelopesOf(c).filter((e) => e.doc !== 'public')).toEqual([]);
      expect(envelopesOf(aPublic).every((e) => e.tenant === a.tenant && e.meeting === a.meeting)).toBe(true);
      for (const c of [bMember, bPublic]) {
        expect(c.envelopes).toEqual([]);
        expect(c.of('beacon').filter((x) => x.beacon.tenant !== b.tenant)).toEqual([]);
      }

      // A forged bus message: A's members' entries on B's channel, and A's on A's channel claiming nothing: the relay sorts by the envelope itself.
      const stored = await at.openStore();
      const aRows = await stored.all(a.tenant, a.meeting, ['public', 'members']);
      const bSetup = (await stored.all(b.tenant, b.meeting, ['public']))[0]!;
      await stored.close();
      const aMembers = aRows.filter((r) => r.doc === 'members').map((r) => r.wire);
      const aFirstPublic = aRows.find((r) => r.doc === 'public')!; // seeded, so relay B never handed it on
      const forger = new RedisClient(redis.url);
      stops.push(() => forger.disconnect());
      await forger.publish(meetingChannel(`${b.tenant}\n${b.meeting}`), Buffer.from(encodeMessage('forger', { t: 'envelopes' }, [...aMembers, aFirstPublic.wire, bSetup.wire])));
      await forger.publish(meetingChannel(`${a.tenant}\n${a.meeting}`), Buffer.from(encodeMessage('forger', { t: 'envelopes' }, [...aMembers, aFirstPublic.wire])));
      await until(() => envelopesOf(bMember).some((e) => e.id === bSetup.id) && envelopesOf(aPublic).some((e) => e.id === aFirstPublic.id), 'the forged messages were handled', 30_000);
      for (const c of [bMember, bPublic]) expect(envelopesOf(c).map((e) => e.id)).toEqual([bSetup.id]);
      for (const c of [aPublic, outsider]) expect(envelopesOf(c).filter((e) => e.doc !== 'public')).toEqual([]);
    }, 120_000);

    it('AV-1 presence, signalling and a rate limit hold across relays: a device on relay B sees one on relay A, gets its signal, and the export limit counts requests at both', async () => {
      const m03 = await demoSigner(a, 'm03');
      const m04 = await demoSigner(a, 'm04');
      const onA = await rawClient(relayA.wsUrl, { tenant: a.tenant, meeting: a.meeting, login: m03 });
      const onB = await rawClient(relayB.wsUrl, { tenant: a.tenant, meeting: a.meeting, login: m04 });
      const publicB = await rawClient(relayB.wsUrl, { tenant: a.tenant, meeting: a.meeting, public: true });
      stops.push(() => [onA, onB, publicB].forEach((c) => c.close()));
      const k03 = toHex(m03.publicKey);
      const k04 = toHex(m04.publicKey);
      await until(() => onB.of('presence').some((p) => p.devices.some((d) => d.device === k03)), "relay B's presence lists the device on relay A", 30_000);
      await until(() => onA.of('presence').some((p) => p.devices.some((d) => d.device === k04)), "relay A's presence lists the device on relay B", 30_000);
      await until(() => publicB.of('present').some((p) => p.persons.includes('m03') && p.persons.includes('m04')), 'the public on B sees both persons', 30_000);

      onA.ws.send(encodeControl({ t: 'signal', to: k04, data: '{"t":"want"}' }));
      await until(() => onB.of('signal').some((s) => s.from === k03 && s.data === '{"t":"want"}'), 'the signal crosses to relay B', 30_000);
      expect(onA.errors()).toEqual([]);

      onA.close();
      await until(() => onB.of('presence').at(-1)!.devices.every((d) => d.device !== k03), 'the device that left relay A is gone from B\'s presence', 30_000);

      // One bucket per client address for both relays (Redis): burst 6, then 429 at either.
      const get = (r: RelayChild) => fetch(`${r.url}/api/${a.tenant}/${a.meeting}/export`).then((res) => res.status);
      const statuses = [];
      for (let i = 0; i < EXPORT_RATE.burst; i++) statuses.push(await get(i % 2 ? relayB : relayA));
      expect(statuses).toEqual(Array(EXPORT_RATE.burst).fill(200));
      expect([await get(relayA), await get(relayB)]).toEqual([429, 429]);
    }, 120_000);

    it('SEC-3 AV-1 one identity for all relays: a member who logs in with the authenticator on relay A syncs on relay B with that session; B refuses the device without it; the code spent on A is spent on B', async () => {
      const signer = await demoSigner(a, 'm14');
      const dev = toHex(signer.publicKey);
      // m14 set up an authenticator (as enrolment does), written where relay A keeps identity.
      const dbs = await openIdentityDatabases(at.dataDirs[0], at.store);
      const { uri } = await (await Totp.open(dbs.identity, join(at.dataDirs[0], 'secrets.key'))).create(a.tenant, dev, 'm14');
      await dbs.close();
      const app = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
      const login = async (r: RelayChild, code: string) => {
        const post = (path: string, body: unknown) => fetch(`${r.url}/api/${a.tenant}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const { nonce } = (await (await post('login/challenge', { device: dev })).json()) as { nonce: string };
        const res = await post('login', { device: dev, nonce, sig: toHex(await signer.sign(sessionInput(nonce, a.tenant, dev))), code });
        return { status: res.status, json: (await res.json()) as { session?: string; code?: string } };
      };
      const code = app.generate();
      const onA = await login(relayA, code);
      expect(onA.status).toBe(200);

      const bare = await rawClient(relayB.wsUrl, { tenant: a.tenant, meeting: a.meeting, login: signer });
      stops.push(() => bare.close());
      await until(() => bare.isClosed(), 'relay B closes the device without a session', 60_000);
      expect(bare.errors().map((e) => e.code)).toContain('session');
      expect([bare.closeCode(), bare.of('welcome')]).toEqual([4005, []]);

      const withSession = await device(a, 'm14', [relayB.wsUrl], { session: () => onA.json.session });
      stop(withSession);
      await until(() => withSession.client.status === 'online', 'm14 online on relay B with the session from relay A', 60_000);
      expect(await login(relayB, code)).toMatchObject({ status: 401, json: { code: 'replayed' } });
    }, 120_000);

    it('SEC-1 AV-1 two relays on one store and Redis: members on relay A and on relay B hold a meeting; relay A is killed (SIGKILL) mid-vote; its devices resume on B; every device ends with the identical state hash and the store holds each envelope once', async () => {
      const AB = [relayA.wsUrl, relayB.wsUrl];
      const BA = [relayB.wsUrl, relayA.wsUrl];
      const onA = ['m05', 'm06', 'm07', 'm08'];
      const onB = ['m09', 'm10', 'm11', 'm12'];
      const chair = await device(a, 'm01', AB);
      const members = [...onA.map((p) => device(a, p, AB)), ...onB.map((p) => device(a, p, BA))];
      const devs = [chair, ...(await Promise.all(members))];
      const publics = [await device(a, null, BA), await device(a, null, AB)];
      stop(...devs, ...publics);
      await Promise.all([...devs, ...publics].map((d) => until(() => d.client.status === 'online', `${d.person} online`, 60_000)));
      const byPerson = (p: string) => devs.find((d) => d.person === p)!;

      for (const d of devs) await d.replica.create('attendance.in', { person: d.person, place: 'remote' });
      await until(() => devs.every((d) => d.person === 'm01' || chair.replica.state.attendance[d.person]?.present), 'the chair sees every member present', 60_000);
      await chair.replica.create('session.open', {});
      await chair.replica.create('vote.open', { vote: 'v1', item: 'top3', title: 'Radverkehrskonzept', mode: 'open' });
      await until(() => devs.every((d) => d.replica.state.votes.some((v) => v.id === 'v1')), 'every device sees the vote open', 60_000);

      // Half of relay A's members vote; relay B's members get their ballots over the bus before A dies.
      const ballot = (p: string, choice: 'yes' | 'no') => byPerson(p).replica.create('vote.cast', { vote: 'v1', choice });
      await ballot('m05', 'yes');
      await ballot('m06', 'no');
      const castOn = (d: NodeDevice) => new Set(d.replica.state.votes.find((v) => v.id === 'v1')?.ballots.map((x) => x.person));
      await until(() => ['m09', 'm10'].every((p) => castOn(byPerson(p)).has('m05') && castOn(byPerson(p)).has('m06')), 'ballots made on A reach devices on B', 60_000);
      expect(byPerson('m09').statuses.filter((s) => s === 'offline')).toEqual([]); // by the bus, not by a new sync

      await relayA.kill('SIGKILL');
      // Mid-vote: A's other members vote at once, offline until their client moves to B; B's members vote.
      await Promise.all([ballot('m07', 'yes'), ballot('m08', 'yes'), ballot('m09', 'no'), ballot('m10', 'yes'), ballot('m11', 'yes'), ballot('m12', 'yes')]);
      await chair.replica.create('vote.cast', { vote: 'v1', choice: 'yes' });
      const voters = ['m01', ...onA, ...onB];
      await until(() => voters.every((p) => castOn(chair).has(p)), "every ballot reaches the chair's device on relay B", 90_000);
      for (const p of ['m01', ...onA]) expect(byPerson(p).statuses).toContain('offline');
      await chair.replica.create('vote.close', { vote: 'v1' });

      const all = [...devs, ...publics];
      await until(() => all.every((d) => d.client.status === 'online' && d.replica.state.votes.find((v) => v.id === 'v1')?.status === 'closed'), 'every device has the vote closed', 90_000);
      await until(() => new Set(devs.map((d) => stateHash(d.replica.state))).size === 1 && new Set(publics.map((d) => stateHash(d.replica.state))).size === 1, 'identical state hashes', 90_000);
      const v1 = chair.replica.state.votes.find((v) => v.id === 'v1')!;
      expect(v1.ballots.filter((x) => x.status === 'counted').map((x) => x.person).sort()).toEqual(voters.sort());
      expect(v1.result).toBe('accepted');
      for (const d of all) expect(d.replica.state.rejected).toEqual([]);

      // The database itself: each envelope once, and exactly those the devices hold.
      const rows = await at.envelopeRows(a.tenant, a.meeting);
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
      const held = new Set(devs.flatMap((d) => d.replica.envelopes().map((e) => e.id)));
      expect(new Set(rows.map((r) => r.id))).toEqual(held);
      for (const d of devs) expect(d.replica.envelopes().length).toBe(held.size);
    }, 240_000);
  });
}

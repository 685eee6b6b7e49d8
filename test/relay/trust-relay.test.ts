/**
 * The record holds at the relay (issue 10, findings 1, 2, 4, 5): attacked the way a member with a stolen or
 * skewed device, an operator with the database file, or a relay that cuts a record would attack it: raw
 * frames on the socket, rows deleted from relay.sqlite, envelopes cut from an export. Judged by the relay,
 * by real devices (replica + sync client over `ws`) and by `ratsraum verify`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toHex, utf8 } from '../../crypto/bytes.js';
import { canonicalJson } from '../../crypto/canonical.js';
import { type Cert, issue, revoke } from '../../crypto/cert.js';
import { type Signer, signerFromSeed } from '../../crypto/ed25519.js';
import * as envelope from '../../crypto/envelope.js';
import { certNoteStep } from '../../core/duties.js';
import { type ExportRecord, verifyExport } from '../../core/export.js';
import { type AdminAction, signAdmin } from '../../core/identity.js';
import { MAX_SKEW_MS, Replica } from '../../core/replica.js';
import { stateHash } from '../../core/state.js';
import * as beacon from '../../core/beacon.js';
import { encodeControl, encodeEnvelopes } from '../../core/wire.js';
import type { Demo } from '../../relay/demo.js';
import { SyncClient } from '../../web/sync/client.js';
import { cleanup, demoRelay, demoSigner, device, type NodeDevice, online, rawClient, until } from '../helpers/relay.js';

const DAY = 86_400_000;
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

type Site = Awaited<ReturnType<typeof demoRelay>>;

async function site(dataDir?: string, demo?: Demo, port?: number): Promise<Site> {
  const s = await demoRelay({ dataDir, demo, port });
  let closed = false;
  const close = s.relay.close.bind(s.relay);
  s.relay.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  stops.push(() => s.relay.close());
  return s;
}

/** A demo device that is stopped when the test ends. */
async function dev(s: Site, person: string | null): Promise<NodeDevice> {
  const d = await device(s.demo, person, [s.wsUrl], { beaconMs: 100 });
  stops.push(() => d.client.stop());
  await online(d);
  return d;
}

/** A request signed by the tenant key (the admin console does the same in the administration's browser). */
const tenantSigner = (s: Site): Promise<Signer> => signerFromSeed(fromHex(s.demo.tenantSeed, 32));
async function admin(s: Site, action: AdminAction, data?: unknown) {
  const key = await tenantSigner(s);
  const r = await fetch(`${s.relay.url}/api/${s.demo.tenant}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await signAdmin(key, s.demo.tenant, action, data)) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

/** The administration's view: each device's certificate as it stands, and its chains' stored heads. */
async function directoryOf(s: Site, person: string) {
  const d = (await admin(s, 'directory')).json as { certs: Cert[]; chains: Record<string, Record<string, number>> };
  const cert = d.certs.find((c) => c.body.person === person)!;
  return { cert, chains: d.chains[cert.body.device] ?? {} };
}

const keyOf = async (s: Site, person: string) => toHex((await demoSigner(s.demo, person)).publicKey);

/** Whether a device refuses entry `id` as signed by a revoked device (at receipt or, if it came first, in the fold). */
const refusedAsRevoked = (d: NodeDevice, id: string) =>
  d.replica.integrity().invalid.some((x) => x.id === id && x.reason === 'device revoked') || d.replica.state.rejected.some((x) => x.entry === id && x.reason === 'device revoked');

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/ratsraum.mjs', ...args], { encoding: 'utf8' });

describe('SEC-3 bounded clocks at the relay', () => {
  it('SEC-3 (finding 2) the relay refuses an entry dated 300 days ahead and one dated before its predecessor', async () => {
    const s = await site();
    stops.push(() => cleanup(s.dataDir));
    const member = await demoSigner(s.demo, 'm05');
    const other = await demoSigner(s.demo, 'm06');
    const c = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, login: member });
    const o = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, login: other });
    stops.push(c.close, o.close);
    const signed = (by: Signer, over: Partial<envelope.Unsigned>) =>
      envelope.sign(
        {
          tenant: s.demo.tenant, meeting: s.demo.meeting, doc: 'public', author: by.publicKey, seq: 1, prev: envelope.ZERO_HASH, deps: [],
          hlc: { wall: Date.now(), counter: 0 }, kind: 'attendance.in', payload: utf8(canonicalJson({ person: by === member ? 'm05' : 'm06', place: 'remote' })), ...over,
        },
        by,
      );
    const before = await s.relay.store.count();
    const future = await signed(member, { hlc: { wall: Date.now() + 300 * DAY, counter: 0 } });
    expect(await c.sendAndWaitError(encodeEnvelopes([future.wire]))).toBe('clock');
    expect(await s.relay.store.has(s.demo.tenant, s.demo.meeting, future.id)).toBe(false);

    const good = await signed(member, {});
    await c.sendAndWait(encodeEnvelopes([good.wire]), () => c.of('ack').some((a) => a.ids.includes(good.id)), 'the honest entry is acked');
    // Its own successor, dated a minute before it.
    const backInChain = await signed(member, { seq: 2, prev: good.hash, hlc: { wall: good.hlc.wall - 60_000, counter: 0 }, kind: 'attendance.out', payload: utf8(canonicalJson({ person: 'm05' })) });
    expect(await c.sendAndWaitError(encodeEnvelopes([backInChain.wire]))).toBe('clock');
    // Another device's entry that depends on it, dated a millisecond before it.
    const backInDeps = await signed(other, { deps: [good.hash], hlc: { wall: good.hlc.wall - 1, counter: 0 } });
    expect(await o.sendAndWaitError(encodeEnvelopes([backInDeps.wire]))).toBe('clock');
    // Same wall time, same counter: not later either.
    const sameTime = await signed(other, { deps: [good.hash], hlc: { ...good.hlc } });
    expect(await o.sendAndWaitError(encodeEnvelopes([sameTime.wire]))).toBe('clock');
    for (const e of [backInChain, backInDeps, sameTime]) expect(await s.relay.store.has(s.demo.tenant, s.demo.meeting, e.id)).toBe(false);
    expect(await s.relay.store.count()).toBe(before + 1);
    expect(c.isClosed() || o.isClosed()).toBe(false);
  });
});

describe('SEC-3 revocation against the operator', () => {
  it('SEC-3 (finding 4) an operator who deletes the revocation from relay.sqlite (cert_versions) lets the device log in again, but every device and `ratsraum verify` still reject what it signs', async () => {
    const s = await site();
    stops.push(() => cleanup(s.dataDir));
    const port = Number(new URL(s.relay.url).port);
    const chair = await dev(s, 'm01');
    const member = await dev(s, 'm03');
    const thief = await dev(s, 'm05');
    await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
    await chair.replica.create('session.open', {});
    await thief.replica.create('attendance.in', { person: 'm05', place: 'remote' });
    await online(thief);
    const stolen = await keyOf(s, 'm05');

    // The administration revokes the lost device, naming where each of its chains ends.
    const { cert, chains } = await directoryOf(s, 'm05');
    expect(chains).toEqual({ [`${s.demo.meeting}/public`]: 1 });
    const revocation = await revoke(cert, Date.now(), await tenantSigner(s), chains);
    expect(await admin(s, 'revoke', { cert: revocation })).toMatchObject({ status: 200 });
    await until(() => thief.client.status === 'offline', 'the revoked device is cut off');
    const refused = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, login: await demoSigner(s.demo, 'm05') });
    expect(refused.errors().map((e) => e.code)).toEqual(['revoked']);

    // The chair's device records the revocation in the log (web/duties.ts runs this step on its own).
    await until(() => chair.replica.directory.get(stolen)?.revoked !== undefined, "the chair's device holds the revocation");
    const step = certNoteStep(chair.replica.state, chair.replica.directory.get(await keyOf(s, 'm01')), chair.replica.directory.all(), chair.replica.log.all());
    expect(step?.kind).toBe('cert.note');
    const note = await chair.replica.create(step!.kind, step!.payload as never);
    await online(chair);
    await until(() => member.replica.log.has(note.id), 'the member holds the cert.note');
    const settled = stateHash(member.replica.state);
    expect(member.replica.integrity().rollback).toEqual([]);

    // The operator takes the revocation out of the database file and restarts the relay.
    await s.relay.close();
    const db = new Database(join(s.dataDir, 'relay.sqlite'));
    expect(db.prepare("DELETE FROM cert_versions WHERE cert LIKE '%revoked%'").run().changes).toBe(1);
    db.close();
    const again = await site(s.dataDir, s.demo, port);
    expect((await again.relay.store.cert(s.demo.tenant, stolen))?.body.revoked).toBeUndefined();

    // The device logs in again and checks its member out; the relay takes it.
    thief.client.start();
    await online(thief);
    const out = await thief.replica.create('attendance.out', { person: 'm05' });
    await online(thief);
    expect(await again.relay.store.has(s.demo.tenant, s.demo.meeting, out.id)).toBe(true);

    // Devices that saw the revocation keep it, name the rollback, and refuse the entry.
    const late = await dev(again, 'm04'); // never saw the revocation's certificate: it learns it from the log
    const observer = await dev(again, null);
    for (const d of [chair, member]) {
      await until(() => refusedAsRevoked(d, out.id), `${d.person} refuses the revoked device's entry`);
      expect(d.replica.integrity().rollback).toEqual([{ device: stolen, person: 'm05' }]);
    }
    for (const d of [late, observer]) await until(() => refusedAsRevoked(d, out.id), `${d.person} refuses the revoked device's entry`);
    expect(stateHash(member.replica.state)).toBe(settled);
    // The late device folded the entry before the cert.note judged it: it lists it as rejected, and nothing else differs.
    expect(stateHash({ ...late.replica.state, rejected: late.replica.state.rejected.filter((x) => x.entry !== out.id) })).toBe(settled);
    for (const d of [chair, member, late, observer]) expect(d.replica.state.attendance['m05']?.present).toBe(true);

    // The record exported from the edited database fails verification: its log names the revocation its certificates lack.
    const record = execFileSync(process.execPath, ['bin/ratsraum.mjs', 'export', '--data', s.dataDir, '--tenant', s.demo.tenant, '--meeting', s.demo.meeting], { encoding: 'utf8' });
    expect((JSON.parse(record) as ExportRecord).certs.some((c) => c.body.revoked !== undefined)).toBe(false);
    const file = join(s.dataDir, 'rolled-back.json');
    writeFileSync(file, record);
    const r = cli('verify', file);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: /);
    expect(r.stdout).toContain(`problem: rollback: the log records a certificate version of device ${stolen.slice(0, 16)} (m05, revoked) that the record's certificates lack`);
    expect(r.stdout).toContain(`rejected entry ${out.id} (attendance.out): device revoked`);
  });
});

describe('SEC-4 role changes through the admin API', () => {
  it('SEC-4 (finding 1) the admin API refuses a role change that does not name the chains of the device, and accepts one that does; the held session folds as before', async () => {
    const s = await site();
    stops.push(() => cleanup(s.dataDir));
    const chair = await dev(s, 'm01');
    const member = await dev(s, 'm03');
    await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
    await chair.replica.create('session.open', {});
    await chair.replica.create('vote.open', { vote: 'v1', item: 'top3', title: 'Radverkehrskonzept', mode: 'open' });
    await chair.replica.create('vote.cast', { vote: 'v1', choice: 'yes' });
    const close = await chair.replica.create('vote.close', { vote: 'v1' });
    await online(chair);
    await until(() => member.replica.log.has(close.id), 'the member holds the close');
    const held = stateHash(member.replica.state);
    const agenda = member.replica.state.agenda;

    const { cert, chains } = await directoryOf(s, 'm01');
    expect(Object.keys(chains)).toEqual([`${s.demo.meeting}/public`]);
    const key = await tenantSigner(s);
    const demote = (over: object) => issue({ ...cert.body, roles: ['member'], issued: Date.now(), ...over }, key);
    // Without chains (an earlier console), and with a cut below what is stored: both would rewrite history.
    expect(await admin(s, 'certify', { cert: await demote({}) })).toMatchObject({ status: 409, json: { code: 'chains' } });
    const short = Object.fromEntries(Object.entries(chains).map(([k, n]) => [k, n - 1]));
    expect(await admin(s, 'certify', { cert: await demote({ chains: short }) })).toMatchObject({ status: 409, json: { code: 'chains' } });
    expect(await s.relay.store.certHistory(s.demo.tenant, cert.body.device)).toHaveLength(1);
    expect(await admin(s, 'certify', { cert: await demote({ chains }) })).toMatchObject({ status: 200 });

    await until(() => member.replica.directory.history(cert.body.device).length === 2, 'the member holds the new version');
    const late = await dev(s, 'm04');
    for (const d of [member, late]) {
      const st = d.replica.state;
      expect(stateHash(st)).toBe(held);
      expect(st.session).toBe('open');
      expect(st.votes.map((v) => [v.id, v.status, v.result])).toEqual([['v1', 'closed', 'accepted']]);
      expect(st.agenda).toEqual(agenda);
    }
    // What the former chair does as chair from now on is refused by every device.
    const after = await chair.replica.create('vote.open', { vote: 'v2', item: null, title: 'Nachtrag', mode: 'open' });
    for (const d of [member, late]) {
      await until(() => d.replica.state.rejected.some((x) => x.entry === after.id), `${d.person} judges the late vote.open`);
      expect(d.replica.state.rejected.find((x) => x.entry === after.id)?.reason).toBe('role: only the chair or deputy may open a vote');
      expect(d.replica.state.votes.map((v) => v.id)).toEqual(['v1']);
    }
  });
});

describe('AV-1 signed heads in the relay export', () => {
  it("AV-1 (finding 5) the relay export of a closed session carries the chair's signed heads and verifies ok; cutting its tail fails", async () => {
    const s = await site();
    stops.push(() => cleanup(s.dataDir));
    const chair = await dev(s, 'm01');
    await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
    await chair.replica.create('session.open', {});
    await chair.replica.create('vote.open', { vote: 'v1', item: 'top3', title: 'Radverkehrskonzept', mode: 'open' });
    await chair.replica.create('vote.cast', { vote: 'v1', choice: 'yes' });
    const voteClose = await chair.replica.create('vote.close', { vote: 'v1' });
    const close = await chair.replica.create('session.close', {});
    const hex = toHex(close.author);
    await until(async () => (await s.relay.store.beacons(s.demo.tenant, s.demo.meeting)).some((b) => b.author === hex && (b.frontier.public?.[hex] ?? 0) >= close.seq), "the relay holds the chair's heads covering the close");
    chair.client.stop();

    const rec = (await (await fetch(`${s.relay.url}/api/${s.demo.tenant}/${s.demo.meeting}/export`)).json()) as ExportRecord;
    expect(rec.format).toBe('ratsraum-export/v2');
    expect(rec.beacons?.some((b) => b.author === hex && Object.keys(b.frontier).join() === 'public')).toBe(true);
    const ok = await verifyExport(rec);
    expect([ok.verdict, ok.problems, ok.pending]).toEqual(['ok', [], []]);

    // The relay cuts the tail: the vote's close and everything after it.
    const cutIds = new Set([voteClose.id, close.id]);
    const cut: ExportRecord = { ...rec, envelopes: rec.envelopes.filter((b) => !cutIds.has(envelope.decode(fromBase64(b)).id)) };
    expect(cut.envelopes.length).toBe(rec.envelopes.length - 2);
    const failed = await verifyExport(cut);
    expect(failed.verdict).toBe('failed');
    expect(failed.problems.join('\n')).toMatch(new RegExp(`^cut: device ${hex.slice(0, 16)} signed at \\d+ that it held public entries 1\\.\\.${close.seq} of ${hex.slice(0, 16)}; the record has 1\\.\\.${voteClose.seq - 1}$`, 'm'));
    // Cutting the heads too leaves a record that is not final, never one that is ok.
    const headless = await verifyExport({ ...cut, beacons: [] });
    expect(headless.verdict).toBe('pending');
    expect(headless.pending).toContain('the session is open: the record is not final');
  });
});

/** Closes a session on the chair's device and waits until `witness` heard heads of the chair covering the close (the relay stores before it forwards). */
async function closedSession(chair: NodeDevice, witness: NodeDevice) {
  await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
  await chair.replica.create('session.open', {});
  const close = await chair.replica.create('session.close', {});
  const hex = toHex(close.author);
  await until(() => witness.replica.heldBeacons().some((b) => b.author === hex && (b.frontier.public?.[hex] ?? 0) >= close.seq), "the witness holds the chair's heads covering the close");
  chair.client.stop();
  return close;
}
const relayExport = async (s: Site) => verifyExport(await (await fetch(`${s.relay.url}/api/${s.demo.tenant}/${s.demo.meeting}/export`)).json());

describe('signed heads that a clock or a role change must not spoil', () => {
  it("SEC-3 AV-1 (findings 2, 5) the relay refuses the chair's heads dated 300 days ahead (code clock), so later heads replace them and the closed session's record verifies ok", async () => {
    const s = await site();
    stops.push(() => cleanup(s.dataDir));
    // The chair's laptop once ran 300 days ahead and signed its heads with that clock.
    const signer = await demoSigner(s.demo, 'm01');
    const skewed = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, login: signer });
    stops.push(skewed.close);
    const ahead = await beacon.make(s.demo.tenant, s.demo.meeting, signer, { public: {} }, Date.now() + 300 * DAY);
    skewed.ws.send(encodeControl({ t: 'beacon', beacon: ahead }));
    await skewed.sendAndWait(encodeControl({ t: 'ping' }), () => skewed.of('pong').length === 1, 'the beacon handled');
    expect(skewed.errors().map((e) => e.code)).toEqual(['clock']);
    expect((await s.relay.store.beacons(s.demo.tenant, s.demo.meeting)).filter((b) => b.at > Date.now() + 60_000)).toEqual([]);
    skewed.close();
    // With its clock set right again, it chairs and closes the session.
    await closedSession(await dev(s, 'm01'), await dev(s, 'm03'));
    const r = await relayExport(s);
    expect([r.verdict, r.problems, r.pending]).toEqual(['ok', [], []]);
  });

  it("SEC-4 AV-1 (findings 1, 5) a role change after the session leaves its record's verdict as it was: the former chair's signed heads still cover the close", async () => {
    const s = await site();
    stops.push(() => cleanup(s.dataDir));
    await closedSession(await dev(s, 'm01'), await dev(s, 'm03'));
    expect((await relayExport(s)).verdict).toBe('ok');
    // A new term: the administration makes Anna Schmitz a plain member, naming her chains as it must.
    const { cert, chains } = await directoryOf(s, 'm01');
    expect(await admin(s, 'certify', { cert: await issue({ ...cert.body, roles: ['member'], issued: Date.now(), chains }, await tenantSigner(s)) })).toMatchObject({ status: 200 });
    const r = await relayExport(s);
    expect([r.verdict, r.problems, r.pending]).toEqual(['ok', [], []]);
  });
});

describe('signed heads that one member must not spoil', () => {
  it("AV-1 (finding 5) one member's signed heads claiming entries that nobody holds do not fail the honest relay's record of the closed session", async () => {
    const s = await site();
    stops.push(() => cleanup(s.dataDir));
    // The member checks in from its device (so the public record carries its certificate and heads) ...
    const member = await dev(s, 'm05');
    await member.replica.create('attendance.in', { person: 'm05', place: 'remote' });
    await online(member);
    member.client.stop();
    // ... then lies in its signed heads.
    const liar = await demoSigner(s.demo, 'm05');
    const c = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, login: liar });
    stops.push(c.close);
    const chairKey = await keyOf(s, 'm01');
    // Signed by the member's own key, about certified authors: the relay's checks (size, rate, signature, certificates) all pass.
    const lie = await beacon.make(s.demo.tenant, s.demo.meeting, liar, { public: { [chairKey]: 999, [toHex(liar.publicKey)]: 999 } }, Date.now());
    await c.sendAndWait(encodeControl({ t: 'beacon', beacon: lie }), () => true, 'sent');
    await c.sendAndWait(encodeControl({ t: 'ping' }), () => c.of('pong').length === 1, 'the beacon handled');
    c.close();
    await closedSession(await dev(s, 'm01'), await dev(s, 'm03'));
    const r = await relayExport(s);
    expect([r.verdict, r.problems, r.pending]).toEqual(['ok', [], []]);
  });
});

/** A member's device as `device()` makes it, with its own clock or bound for the chair's silence. */
async function watchful(s: Site, person: string, opts: { chairSilenceMs?: number; now?: () => number }): Promise<{ replica: Replica; stop: () => void }> {
  const signer = await demoSigner(s.demo, person);
  const replica = new Replica({ tenant: s.demo.tenant, meeting: s.demo.meeting, tenantKey: (await tenantSigner(s)).publicKey, docs: ['public', 'members'], signer, ...opts });
  const client = new SyncClient({ urls: [s.wsUrl], replica, auth: { tenant: s.demo.tenant, meeting: s.demo.meeting, signer }, WebSocket: WebSocket as never, beaconMs: 100 });
  client.start();
  stops.push(() => client.stop());
  await until(() => client.status === 'online', `${person} online`);
  return { replica, stop: () => client.stop() };
}

describe("the chair's silence", () => {
  it("AV-1 (finding 5) a member's device warns of the chair's silence while the session is open, not after the chair closed it and left", async () => {
    const s = await site();
    stops.push(() => cleanup(s.dataDir));
    const chair = await dev(s, 'm01');
    const member = await watchful(s, 'm03', { chairSilenceMs: 500 });
    await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
    const open = await chair.replica.create('session.open', {});
    await until(() => member.replica.log.has(open.id), 'the member holds the opening');
    // The chair's line drops during the session: the member is warned.
    chair.client.stop();
    await until(() => member.replica.integrity().silentChair !== null, 'the silence warning');
    // The chair comes back, closes the session, and leaves: nothing is withheld any more.
    chair.client.start();
    await online(chair);
    const close = await chair.replica.create('session.close', {});
    const hex = toHex(close.author);
    await until(() => member.replica.heldBeacons().some((b) => b.author === hex && (b.frontier.public?.[hex] ?? 0) >= close.seq), "the chair's heads covering the close");
    chair.client.stop();
    const quietSince = Date.now();
    await until(() => Date.now() - quietSince > 1500 && member.replica.state.session === 'closed', 'three bounds of silence after the close');
    expect(member.replica.integrity().silentChair).toBeNull();
  });
});

describe('a clock set ahead, just inside the bound', () => {
  it("SEC-3 (finding 2) a member's entry dated just inside the relay's bound does not cut off a peer whose clock is two seconds behind: the peer converges with the chair", async () => {
    const s = await site();
    stops.push(() => cleanup(s.dataDir));
    const chair = await dev(s, 'm01');
    const peer = await watchful(s, 'm03', { now: () => Date.now() - 2000 });
    await chair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
    const open = await chair.replica.create('session.open', {});
    await until(() => peer.replica.log.has(open.id), 'the peer holds the opening');
    // A member sets its clock 5 minutes less half a second ahead of the relay: the relay takes the entry.
    const fast = await demoSigner(s.demo, 'm05');
    const c = await rawClient(s.wsUrl, { tenant: s.demo.tenant, meeting: s.demo.meeting, login: fast });
    stops.push(c.close);
    const ahead = await envelope.sign(
      {
        tenant: s.demo.tenant, meeting: s.demo.meeting, doc: 'public', author: fast.publicKey, seq: 1, prev: envelope.ZERO_HASH, deps: [open.hash],
        hlc: { wall: Date.now() + MAX_SKEW_MS - 500, counter: 0 }, kind: 'attendance.in', payload: utf8(canonicalJson({ person: 'm05', place: 'remote' })),
      },
      fast,
    );
    await c.sendAndWait(encodeEnvelopes([ahead.wire]), () => c.of('ack').some((a) => a.ids.includes(ahead.id)) || c.errors().length > 0, 'the relay answers');
    expect(c.errors()).toEqual([]);
    // The chair's device takes it (its clock is the relay's) and goes on; its clock is dragged along.
    await until(() => chair.replica.log.has(ahead.id), 'the chair holds the early entry');
    const next = await chair.replica.create('item.current', { item: 'top3' });
    expect(next.hlc.wall).toBeGreaterThanOrEqual(ahead.hlc.wall);
    await online(chair);
    // The peer, two seconds behind, must end up with the same state as the chair (once its clock allows, at the latest).
    await until(() => stateHash(peer.replica.state) === stateHash(chair.replica.state), 'the peer converges with the chair', 20_000);
    expect(peer.replica.state.currentItem).toBe('top3');
  });
});

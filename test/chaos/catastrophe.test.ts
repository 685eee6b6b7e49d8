/**
 * DIS-5 chaos test: member devices in Node (the real replica, sync client and peer transport over
 * node-datachannel) plus the chair and three members in Chromium hold a session with two votes while the
 * relay is killed (SIGKILL) and restarted, a group of devices is cut off (fault proxies, peer links
 * stopped), and the data centre is down: first the devices continue over the backup relay and their data
 * channels, then over data channels alone. At the end every device has the identical state hash; every
 * device and both relays' SQLite files hold exactly the union of what was signed (recorded by the test
 * from the devices themselves, browsers' IndexedDB included); and each ballot is counted or late exactly
 * as the causal rule says, computed here from the envelopes' own deps.
 *
 * Seeded: the seed is printed; RATSRAUM_CHAOS_SEED=<n> replays which devices vote when, who is cut off and
 * how long each outage lasts. RATSRAUM_CHAOS_DOWN_MS (default 4000) is how long the data centre stays
 * down with no relay at all ("down for minutes": set 180000); CI uses the short default.
 * RATSRAUM_CHAOS_DEVICES (default 12, what CI's time allows; 100 for the issue's hundred, about 3 minutes) scales the Node devices.
 * While no relay is up, the pages say so: "Über andere Geräte verbunden" (the badge, checked with axe).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import { decode, type Envelope } from '../../crypto/envelope.js';
import { decodeEntry } from '../../core/entries.js';
import { stateHash } from '../../core/state.js';
import { demoLinks, demoMasterData, seedDemo } from '../../relay/demo.js';
import { type Relay, startRelay } from '../../relay/server.js';
import { axe, PEER_ARGS, stateHashOf, whenStatus } from '../helpers/browser.js';
import { bigDemo } from '../helpers/council.js';
import { faultProxy } from '../helpers/fault-proxy.js';
import { type PeerDevice, peerDevice } from '../helpers/peers.js';
import { cleanup, tempDir, until } from '../helpers/relay.js';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../bench/chromium.js';
import { seededRandom } from '../helpers/random.js';
import { killProcess, relayProcess } from '../helpers/relay-process.js';
import { freePort } from '../../relay/video/janus-process.js';

const SEED = Number(process.env.RATSRAUM_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DEVICES = Number(process.env.RATSRAUM_CHAOS_DEVICES ?? 12);
const DOWN_MS = Number(process.env.RATSRAUM_CHAOS_DOWN_MS ?? 4000);
const TOKEN = 'chaos-replication-token';
const LONG = Math.max(120_000, DEVICES * 2_500); // 100 devices in this one process on 2 cores are slower to settle, not wrong


const stops: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await Promise.resolve(s()).catch(() => {});
});

/** The primary relay in a process of its own, so that it can be killed with SIGKILL. */
const primaryProcess = (dataDir: string, port: number, backupWs: string) =>
  relayProcess({ dataDir, port, staticDir: 'dist', quiet: true, demo: true, backupRelays: [backupWs], replication: { token: TOKEN } });

/** Every envelope this browser holds, read from its own IndexedDB. */
const idbWires = (page: Page): Promise<number[][]> =>
  page.evaluate(
    () =>
      new Promise<number[][]>((ok, fail) => {
        const r = indexedDB.open('ratsraum');
        r.onerror = () => fail(r.error);
        r.onsuccess = () => {
          const g = r.result.transaction('envelopes').objectStore('envelopes').getAll();
          g.onsuccess = () => (r.result.close(), ok((g.result as Uint8Array[]).map((w) => [...new Uint8Array(w)])));
          g.onerror = () => fail(g.error);
        };
      }),
  );

const sqliteIds = (file: string): string[] => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], { id: string }>('SELECT id FROM envelopes ORDER BY id').all().map((r) => r.id);
  } finally {
    db.close();
  }
};

/** Ballots of a vote (by entry id) and whether each lies in the causal past of the close, from the envelopes alone. */
function causalVerdicts(union: Map<string, Envelope>, vote: string): Map<string, 'counted' | 'late'> {
  const entry = (e: Envelope) => {
    try {
      return decodeEntry(e.kind, e.payload).payload as { vote?: string };
    } catch {
      return {};
    }
  };
  const close = [...union.values()].find((e) => e.kind === 'vote.close' && entry(e).vote === vote);
  if (!close) throw new Error(`no close of ${vote}`);
  const past = new Set<string>();
  const stack = [close.id];
  while (stack.length > 0) {
    const e = union.get(stack.pop()!);
    if (!e) continue;
    for (const h of [...e.deps, e.prev]) {
      const id = toHex(h);
      if (!past.has(id) && union.has(id)) {
        past.add(id);
        stack.push(id);
      }
    }
  }
  const out = new Map<string, 'counted' | 'late'>();
  for (const e of union.values()) if (e.kind === 'vote.cast' && entry(e).vote === vote) out.set(e.id, past.has(e.id) ? 'counted' : 'late');
  return out;
}

/**
 * Whether the synced data channels carry entries from every Node device and page to every other (`pages`: each
 * page's key and the peers its channels reach). A session pushes only once its peer has sent its frontier, so a
 * link counts one way per side that holds it synced: the mesh is joined when that directed graph is strongly
 * connected (a link one side already gave up, or still sets up, does not count for the other).
 */
function meshJoined(nodes: PeerDevice[], pages: Map<string, string[]>): boolean {
  const out = new Map<string, Set<string>>();
  const into = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, a: string, b: string) => (m.get(a) ?? m.set(a, new Set()).get(a)!).add(b);
  const link = (from: string, to: string) => (add(out, from, to), add(into, to, from));
  for (const d of nodes) for (const s of d.mesh.ready) link(d.replica.deviceKey!, s.peer);
  for (const [key, peers] of pages) for (const p of peers) link(key, p);
  const all = [...nodes.map((d) => d.replica.deviceKey!), ...pages.keys()];
  const reach = (edges: Map<string, Set<string>>) => {
    const seen = new Set([all[0]!]);
    for (const k of seen) for (const n of edges.get(k) ?? []) seen.add(n);
    return all.every((k) => seen.has(k));
  };
  return reach(out) && reach(into);
}

describe('catastrophe', () => {
  it('DIS-5 chaos: Node devices and 4 browsers through relay kills, a partition and the data centre down (backup relay, then data channels alone): identical state, nothing lost or doubled, late ballots by causality', async () => {
    console.log(`DIS-5 chaos seed ${SEED} (RATSRAUM_CHAOS_SEED=${SEED} replays it), ${DEVICES} Node devices, data centre down ${DOWN_MS} ms`);
    const r = seededRandom(SEED);
    const t0 = Date.now();
    // The event loop's delay since the last phase: this process runs the backup relay and every Node device.
    const lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
    stops.push(() => lag.disable());
    const phase = (what: string) => {
      console.log(`chaos +${((Date.now() - t0) / 1000).toFixed(1)} s: ${what} (event loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms, max ${(lag.max / 1e6).toFixed(0)} ms)`);
      lag.reset();
    };
    const demo = bigDemo(DEVICES);
    const { tenant, meeting } = demo;
    const pDir = tempDir();
    const bDir = tempDir();
    stops.push(() => cleanup(pDir, bDir));
    const [pPort, bPort] = [await freePort(), await freePort()];
    const bWs = `ws://127.0.0.1:${bPort}/sync`;

    // The primary's data folder with the council; the backup shares its secrets.key and learns the rest by replication.
    mkdirSync(pDir, { recursive: true });
    const seeding = await startRelay({ dataDir: pDir, port: 0, quiet: true, demo: true });
    await seedDemo(seeding.store, demo);
    await seeding.identity.directory.put(tenant, demoMasterData(demo));
    const setupIds = (await seeding.store.all(tenant, meeting, ['public', 'members'])).map((e) => e.id);
    await seeding.close();
    copyFileSync(join(pDir, 'secrets.key'), join(bDir, 'secrets.key'));

    let primary = await primaryProcess(pDir, pPort, bWs);
    stops.push(() => killProcess(primary));
    const startBackup = () => startRelay({ dataDir: bDir, port: bPort, quiet: true, demo: true, replication: { from: `http://127.0.0.1:${pPort}`, token: TOKEN, intervalMs: 500 } });
    let backup: Relay | undefined = await startBackup();
    stops.push(() => backup?.close());

    // Node devices reach both relays through fault proxies: the main group, and the group that gets cut off.
    const viaP = await faultProxy(() => pPort);
    const viaB = await faultProxy(() => bPort);
    const cutP = await faultProxy(() => pPort);
    const cutB = await faultProxy(() => bPort);
    stops.push(() => Promise.all([viaP, viaB, cutP, cutB].map((p) => p.close())));
    const names = demo.devices.filter((d) => d.person.startsWith('x')).map((d) => d.person);
    const isolated = new Set(r.shuffle(names).slice(0, Math.max(2, Math.round(DEVICES / 12))));
    const browserKeys = await Promise.all(['m01', 'm02', 'm03', 'm04'].map(async (p) => toHex((await signerFromSeed(fromHex(demo.devices.find((d) => d.person === p)!.seed, 32))).publicKey)));
    const nodes: PeerDevice[] = [];
    // Mesh logs (last lines) of the cut-off group and of the peers they try to link to go into the dump when a wait times out.
    const meshLogs = new Map<string, string[]>();
    const meshLog = (p: string) => (m: string) => {
      const l = meshLogs.get(p) ?? meshLogs.set(p, []).get(p)!;
      l.push(`${((Date.now() - t0) / 1000).toFixed(1)} ${m}`);
      if (l.length > 40) l.shift();
    };
    for (const p of names) nodes.push(await peerDevice(demo, p, isolated.has(p) ? [cutP.wsUrl, cutB.wsUrl] : [viaP.wsUrl, viaB.wsUrl], { beaconMs: 60_000, meshBeaconMs: 5000, log: meshLog(p) }));
    stops.push(() => nodes.forEach((d) => d.stop()));
    const signed = new Set<string>(setupIds);
    const sign = async (d: PeerDevice, kind: 'attendance.in' | 'vote.cast', payload: never) => signed.add((await d.replica.create(kind, payload)).id);

    // Host candidates without mDNS names, so that node-datachannel peers can reach the pages; no camera (no video load).
    const browser: Browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...PEER_ARGS] });
    stops.push(() => browser.close());
    const links = await demoLinks(demo, `http://127.0.0.1:${pPort}`);
    const open = async (url: string) => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'de-DE', bypassCSP: true });
      const page = await context.newPage();
      page.setDefaultTimeout(LONG); // a loaded 2-core machine
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      await page.goto(url);
      return page;
    };
    const memberUrls = links.members.filter((m) => ['m02', 'm03', 'm04'].includes(demo.devices.find((d) => d.name === m.name)?.person ?? '')).map((m) => m.url);
    const chair = await open(links.chair.url);
    const memberPages = await Promise.all(memberUrls.map(open));
    const pages = [chair, ...memberPages];
    expect(memberPages).toHaveLength(3);
    await Promise.all(pages.map((p) => whenStatus(p, 'online', LONG)));
    await until(() => nodes.every((d) => d.client.status === 'online'), 'every Node device online', LONG);
    await until(() => nodes.every((d) => d.mesh.ready.length >= 1), 'every Node device has a peer', LONG);
    await Promise.all(pages.map((p) => p.waitForFunction(() => Number(document.documentElement.dataset.peers) >= 1, null, { timeout: LONG })));
    phase('all online, data channels up');

    for (const d of nodes) await sign(d, 'attendance.in', { person: d.person, place: 'remote' } as never);
    for (const [i, p] of pages.entries())
      await p
        .getByRole('button', { name: 'Anwesend melden (digital)' })
        .click({ timeout: LONG })
        .catch(async (e) => {
          await p.screenshot({ path: `/tmp/chaos-page-${i}.png` });
          throw e;
        });
    await chair.getByRole('button', { name: 'Sitzung eröffnen' }).click();
    await chair.locator('#item-select').selectOption('top3');
    await chair.getByRole('button', { name: 'Tagesordnungspunkt aufrufen' }).click();
    /** The chair's page holds as much as a Node device that has `n` ballots of the vote (the chair's DOM aside: its log size). */
    const chairHolds = async (vote: string, n: number, ref: PeerDevice) => {
      await until(() => (ref.replica.state.votes.find((v) => v.id === vote)?.ballots.length ?? 0) >= n, `${ref.person} holds ${n} ballots`, LONG);
      const size = ref.replica.log.size;
      await chair.waitForFunction((k) => Number(document.documentElement.dataset.logSize) >= k, size, { timeout: LONG });
    };
    const openVote = async (title: string) => {
      const before = new Set(await chair.locator('[data-vote]').evaluateAll((xs) => xs.map((x) => x.getAttribute('data-vote'))));
      await chair.locator('#vote-title').fill(title);
      await chair.getByRole('button', { name: 'Abstimmung eröffnen' }).click();
      await expect.poll(async () => (await chair.locator('[data-vote]').evaluateAll((xs) => xs.map((x) => x.getAttribute('data-vote')))).find((v) => !before.has(v)), { timeout: LONG }).toBeTruthy();
      return (await chair.locator('[data-vote]').evaluateAll((xs) => xs.map((x) => x.getAttribute('data-vote')))).find((v) => !before.has(v))!;
    };
    const closeVote = async () => {
      await chair.getByRole('button', { name: 'Abstimmung schließen' }).click();
      const confirm = chair.locator('dialog[open] [data-testid=confirm]');
      if (await confirm.isVisible().catch(() => false)) await confirm.click();
    };
    const voteSeen = (d: PeerDevice, vote: string, status: 'open' | 'closed') => d.replica.state.votes.some((v) => v.id === vote && v.status === status);

    // Vote 1: the relay is killed twice while ballots come in; a group is cut off and votes unseen.
    const v1 = await openVote('Radverkehrskonzept: Beschluss');
    await until(() => nodes.every((d) => voteSeen(d, v1, 'open')), 'every device sees vote 1 open', LONG).catch((e) => {
      const behind = nodes.filter((d) => !voteSeen(d, v1, 'open'));
      console.log(`${behind.length} devices do not see vote 1 open: ${behind.map((d) => `${d.person} ${d.client.status} log ${d.replica.log.size} peers ${d.mesh.ready.length}`).join('; ')}`);
      throw e;
    });
    phase(`vote 1 (${v1}) open`);
    const order = r.shuffle(nodes.filter((d) => !isolated.has(d.person)));
    const groups = [order.slice(0, order.length / 3), order.slice(order.length / 3, (2 * order.length) / 3), order.slice((2 * order.length) / 3)];
    const choice = () => (['yes', 'no', 'abstain'] as const)[r.int(0, 2)];
    const cast = async (ds: PeerDevice[], vote: string) => {
      for (const d of ds) await sign(d, 'vote.cast', { vote, choice: choice() } as never);
    };
    const isolatedDevices = nodes.filter((d) => isolated.has(d.person));
    const early = isolatedDevices.slice(0, Math.ceil(isolatedDevices.length / 2));
    const unseen = isolatedDevices.slice(early.length);
    await cast(early, v1);
    await cast(groups[0]!, v1);
    for (let k = 0; k < 2; k++) {
      await killProcess(primary);
      phase(`primary killed (${k + 1})`);
      await cast(groups[k + 1]!, v1);
      await new Promise((ok) => setTimeout(ok, r.int(300, 1500)));
      primary = await primaryProcess(pDir, pPort, bWs);
      phase(`primary restarted (${k + 1})`);
    }
    await memberPages[0]!.click('[data-choice=yes]');
    await memberPages[1]!.click('[data-choice=no]');
    // The early ballots of the group reach the chair before the group is cut off.
    await chairHolds(v1, order.length + early.length + 2, order[0]!);
    cutP.cut();
    cutB.cut();
    for (const d of isolatedDevices) d.mesh.stop();
    await until(() => isolatedDevices.every((d) => d.client.status === 'offline'), 'the cut-off group is offline', LONG);
    phase(`${isolatedDevices.length} devices cut off`);
    await cast(unseen, v1);
    await closeVote();
    phase('vote 1 closed while the cut-off ballots are unseen');
    await until(() => nodes.filter((d) => !isolated.has(d.person)).every((d) => voteSeen(d, v1, 'closed')), 'the connected devices see vote 1 closed', LONG);
    cutP.heal();
    cutB.heal();
    for (const d of isolatedDevices) d.mesh.start();
    await until(() => nodes.every((d) => voteSeen(d, v1, 'closed')), 'the healed group learns of the close', LONG);
    // New data channels need a relay to be signalled: the data centre may go only once the returning group is
    // linked into the mesh again (seen from the Node side: the Node devices and every page in one component).
    const keyOfSeed = new Map(await Promise.all(demo.devices.map(async (d) => [d.seed, toHex((await signerFromSeed(fromHex(d.seed, 32))).publicKey)] as const)));
    const pageKeys = [links.chair.url, ...memberUrls].map((u) => keyOfSeed.get(/device=([0-9a-f]+)/.exec(u)![1]!)!);
    expect(new Set(pageKeys)).toEqual(new Set(browserKeys));
    const pageLinks = async () => new Map(await Promise.all(pages.map(async (p, i) => [pageKeys[i]!, (await p.evaluate(() => document.documentElement.dataset.peerKeys ?? '')).split(' ').filter(Boolean)] as const)));
    const dumpMesh = async (vote?: string) => {
      const short = (k: string) => k.slice(0, 6);
      const ballots = (d: PeerDevice) => (vote ? `, ballots ${d.replica.state.votes.find((v) => v.id === vote)?.ballots.length ?? 0}` : '');
      const relayOf = (d: PeerDevice) => (d.client.relayUrl === viaB.wsUrl || d.client.relayUrl === cutB.wsUrl ? 'backup' : 'primary');
      for (const d of nodes) console.log(`mesh ${d.person} ${short(d.replica.deviceKey!)}${isolated.has(d.person) ? ' (cut)' : ''}: ${d.client.status} at ${relayOf(d)}, presence ${d.client.presence.length}${ballots(d)}, ready ${d.mesh.ready.map((x) => short(x.peer)).join(' ')}; in setup ${d.mesh.settingUp.map(short).join(' ')}`);
      for (const d of isolatedDevices) console.log(`mesh ${d.person} (cut): last statuses ${d.statuses.slice(-12).join(' ')}; errors ${d.errors.slice(-5).join(' | ')}\n  ${(meshLogs.get(d.person) ?? []).join('\n  ')}`);
      for (const [k, ps] of await pageLinks()) console.log(`mesh page ${short(k)}: ${ps.map(short).join(' ')}`);
      const tried = new Set(isolatedDevices.flatMap((d) => d.mesh.settingUp));
      for (const d of nodes.filter((x) => !isolated.has(x.person) && tried.has(x.replica.deviceKey!)).slice(0, 4))
        console.log(`mesh ${d.person} ${short(d.replica.deviceKey!)} (tried by the cut-off group): in setup ${d.mesh.settingUp.map(short).join(' ')}\n  ${(meshLogs.get(d.person) ?? []).join('\n  ')}`);
    };
    const whenMeshJoined = (what: string, vote?: string) =>
      until(async () => meshJoined(nodes, await pageLinks()), what, LONG).catch(async (e) => {
        await dumpMesh(vote);
        throw e;
      });
    await whenMeshJoined('the healed group is linked into the mesh again');
    phase('partition healed');

    // Vote 2: the data centre goes down; first the backup relay carries the session, then data channels alone.
    const v2 = await openVote('Spielplatz Lindenstraße: Beschluss');
    await until(() => nodes.every((d) => voteSeen(d, v2, 'open')), 'every device sees vote 2 open', LONG);
    const order2 = r.shuffle([...nodes]);
    const half = Math.floor(order2.length / 2);
    await killProcess(primary);
    phase('data centre down: primary killed, devices move to the backup');
    await cast(order2.slice(0, half), v2);
    await memberPages[0]!.click('[data-choice=yes]');
    await chairHolds(v2, half + 1, order2[0]!);
    // The move to the backup replans the ring, and offers signalled through the killed primary are lost: the last
    // relay may go only once the channels join everyone again (none can be signalled without it).
    await whenMeshJoined('the mesh joins every device before the backup goes', v2);
    await backup.close();
    backup = undefined;
    const downSince = Date.now();
    phase('backup relay down too: data channels alone');
    await until(() => nodes.every((d) => d.client.status === 'offline'), 'no Node device reaches a relay', LONG);
    await Promise.all(pages.map((p) => whenStatus(p, 'offline', LONG)));
    // The pages hold the session over their data channels and say so (the badge is the page's status region).
    for (const p of pages) await p.getByRole('status', { name: 'Verbindungsstatus' }).filter({ hasText: 'Über andere Geräte verbunden – kein Server erreichbar' }).waitFor({ timeout: LONG });
    expect(await axe(memberPages[0]!, '.topbar')).toEqual([]);
    if (process.env.RATSRAUM_CHAOS_SHOTS) {
      for (const p of [chair, memberPages[0]!]) await p.evaluate(() => window.scrollTo(0, 0));
      await chair.screenshot({ path: `${process.env.RATSRAUM_CHAOS_SHOTS}/peers-desktop.png` });
      await memberPages[0]!.setViewportSize({ width: 360, height: 740 });
      await memberPages[0]!.evaluate(() => window.scrollTo(0, 0));
      await memberPages[0]!.screenshot({ path: `${process.env.RATSRAUM_CHAOS_SHOTS}/peers-phone.png` });
    }
    await cast(order2.slice(half), v2);
    await memberPages[1]!.click('[data-choice=no]');
    await memberPages[2]!.click('[data-choice=abstain]');
    await chairHolds(v2, nodes.length + 3, order2[0]!).catch(async (e) => {
      await dumpMesh(v2);
      throw e;
    });
    await closeVote();
    await until(() => nodes.every((d) => voteSeen(d, v2, 'closed')), 'every device sees vote 2 closed, over data channels', LONG);
    phase('vote 2 cast and closed over data channels alone');
    await new Promise((ok) => setTimeout(ok, Math.max(0, DOWN_MS - (Date.now() - downSince))));

    backup = await startBackup();
    primary = await primaryProcess(pDir, pPort, bWs);
    phase('backup and primary back');

    // The end: one state everywhere, exactly the union of what was signed, both relays alike.
    const union = new Map<string, Envelope>();
    const done = async () => {
      const hashes = new Set([...nodes.map((d) => stateHash(d.replica.state)), ...(await Promise.all(pages.map(stateHashOf)))]);
      const sizes = new Set([...nodes.map((d) => d.replica.log.size), ...(await Promise.all(pages.map((p) => p.evaluate(() => Number(document.documentElement.dataset.logSize)))))]);
      return hashes.size === 1 && sizes.size === 1;
    };
    await expect.poll(done, { timeout: LONG, interval: 1000 }).toBe(true);
    phase('every device holds the identical state');
    // What was signed: the Node devices' own entries (recorded as they signed) and the browsers' (read from their
    // IndexedDB, again each round: a page may still sign, a quality report say, after the state became identical).
    const record = async () => {
      for (const p of pages) for (const w of await idbWires(p)) {
        const e = decode(new Uint8Array(w));
        if (browserKeys.includes(toHex(e.author))) signed.add(e.id);
      }
      for (const d of nodes) for (const e of d.replica.envelopes()) union.set(e.id, e);
    };
    const persons = new Map(await Promise.all(demo.devices.map(async (d) => [toHex((await signerFromSeed(fromHex(d.seed, 32))).publicKey), d.person] as const)));
    const who = (e: Envelope) => persons.get(toHex(e.author)) ?? toHex(e.author).slice(0, 8);
    // A replication round at a time, read between them (reading both files every 20 ms would hold up this process, which runs the backup relay and the Node devices).
    const bothHold = async () => {
      await backup!.replicator!.round().catch(() => {});
      await record();
      if (sqliteIds(join(pDir, 'relay.sqlite')).length === signed.size && sqliteIds(join(bDir, 'relay.sqlite')).length === signed.size && nodes.every((d) => d.replica.log.size === signed.size)) return true;
      await new Promise((ok) => setTimeout(ok, 500));
      return false;
    };
    await until(bothHold, 'both relays and every device hold everything signed', 2 * LONG).catch((e) => {
      const want = [...signed].sort();
      for (const [name, dir] of [['primary', pDir], ['backup', bDir]] as const) {
        const held = new Set(sqliteIds(join(dir, 'relay.sqlite')));
        const lacks = want.filter((id) => !held.has(id)).map((id) => union.get(id)!);
        const extra = [...held].filter((id) => !signed.has(id));
        console.log(`chaos: ${name} holds ${held.size} of ${signed.size}; lacks ${lacks.map((x) => (x ? `${x.kind} by ${who(x)} seq ${x.seq}` : 'on no Node device')).join(', ')}; extra ${extra.length}: ${extra.map((id) => nodes[0]!.replica.log.get(id)).map((x) => (x ? `${x.kind} by ${who(x)} seq ${x.seq}` : 'on no Node device')).join(', ')}`);
      }
      console.log(`chaos: relays of the Node devices: ${nodes.map((d) => `${d.person} ${d.client.status} log ${d.replica.log.size} ${d.client.relayUrl === viaB.wsUrl || d.client.relayUrl === cutB.wsUrl ? 'backup' : 'primary'}`).join(', ')}`);
      throw e;
    });
    const want = [...signed].sort();
    for (const e of union.values()) if (!signed.has(e.id)) console.log(`chaos: not recorded as signed: ${e.kind} by ${who(e)} seq ${e.seq}`);
    for (const id of signed) if (!union.has(id)) console.log(`chaos: signed but on no device: ${id}`);
    expect(nodes[0]!.replica.log.size).toBe(signed.size); // nothing lost, nothing extra
    for (const d of nodes) expect(d.replica.envelopes().map((e) => e.id).sort()).toEqual(want);
    for (const d of nodes) expect(d.replica.integrity().forks).toEqual([]);
    expect(sqliteIds(join(pDir, 'relay.sqlite'))).toEqual(want);
    expect(sqliteIds(join(bDir, 'relay.sqlite'))).toEqual(want);

    // Late exactly as the causal rule says, on every device.
    for (const vote of [v1, v2]) {
      const verdicts = causalVerdicts(union, vote);
      const state = nodes[0]!.replica.state.votes.find((v) => v.id === vote)!;
      expect(state.ballots.map((b) => [b.entry, b.status]).sort()).toEqual([...verdicts].sort());
      const late = [...verdicts].filter(([, s]) => s === 'late').length;
      expect(late).toBe(vote === v1 ? unseen.length : 0);
      // The browsers' states are the same (identical state hash above), so theirs say the same.
    }
    phase('done');
  }, Math.max(600_000, DEVICES * 15_000));
});

/**
 * DIS-5 in Chromium (inside scripts/netns.mjs): three pages on the relay's SFU; Janus is killed and kept from
 * starting again (test/helpers/janus-switch.ts), the relay moves the pages to the mesh (PeerJS, coturn) and they
 * receive each other's pictures again; once Janus runs again for the stable time they are back on the SFU. What a
 * page receives is read from getStats() of its own connections (frames decoded per sender), and the status line
 * says which path carries the picture. Then the data centre falls: the primary relay (with its Janus) is killed
 * with SIGKILL, the pages' sessions go to the backup relay (no Janus there), and so does their video, over the
 * backup's mesh; once the primary is back, sessions and video return to it (its SFU).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { demoLinks, demoMasterData, makeDemo, seedDemo } from '../../relay/demo.js';
import { startRelay } from '../../relay/server.js';
import { freePort } from '../../relay/video/janus-process.js';
import { de } from '../../web/i18n/de.js';
import { axe, whenStatus } from '../helpers/browser.js';
import { janusSwitch } from '../helpers/janus-switch.js';
import { cleanup, tempDir, until } from '../helpers/relay.js';
import { killProcess, relayProcess } from '../helpers/relay-process.js';
import { videoSuite } from '../helpers/video-suite.js';
import { receivesFrom, videoParticipant, whenVideo } from '../helpers/video.js';

const T = { timeout: 60_000 }; // two shared cores: browsers of other tests may be running
const STABLE_MS = 10_000;

const janus = janusSwitch();
afterAll(() => janus.remove());
const suite = videoSuite();

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const f of stops.reverse()) await Promise.resolve(f()).catch(() => {});
}, 120_000);

const pathOf = (p: Page) => p.locator('.video-pane .video-status').getAttribute('data-path');

/** Polls until every page's status line names `path`, and each receives rising frames of the other two. */
async function picturesOver(pages: Record<string, Page>, path: 'sfu' | 'mesh' | 'sfuDown'): Promise<void> {
  for (const p of Object.values(pages)) await expect.poll(() => pathOf(p), T).toBe(path);
  for (const [me, p] of Object.entries(pages)) await receivesFrom(p, Object.keys(pages).filter((x) => x !== me), { timeout: 90_000 });
}

describe('video when the SFU falls (DIS-5)', () => {
  it('DIS-5 VID-1 three pages on the SFU move to the mesh while Janus is down and back once it runs again, with pictures on each path', async () => {
    const site = await suite.site({ relay: { video: { janus: janus.binary, sfuStableMs: STABLE_MS } } });
    expect(site.relay.video.status().mode).toBe('sfu');
    const open = async (url: string) => {
      const { page } = await videoParticipant(suite.browser(), url, { bypassCSP: true });
      await whenStatus(page, 'online', 120_000);
      await whenVideo(page, 120_000);
      return page;
    };
    const pages = { m01: await open(site.links.chair.url), m02: await open(site.links.members[0]!.url), m03: await open(site.links.members[1]!.url) };
    await picturesOver(pages, 'sfu');
    await expect.poll(() => pages.m02.locator('.video-pane .video-status').textContent(), T).toBe(`${de['video.status.connected']} – ${de['video.path.sfu']}`);

    janus.down(true);
    process.kill(site.relay.video.status().pid!, 'SIGKILL');
    await picturesOver(pages, 'sfuDown');
    expect(site.relay.video.status()).toMatchObject({ mode: 'mesh', fallback: true, pid: null });
    for (const p of Object.values(pages)) {
      expect(await p.locator('.video-pane .video-status').textContent()).toBe(`${de['video.status.connected']} – ${de['video.path.sfuDown']}`);
      // The chair's orders cannot be enforced on a server on the mesh, and the page says so.
      expect(await p.getByText(de['video.mesh']).isVisible()).toBe(true);
    }
    expect(await axe(pages.m02, '.video-pane')).toEqual([]);
    // The move happened on the same socket: no page reconnected its /video.
    for (const p of Object.values(pages)) expect(await p.evaluate(() => (window as unknown as { __rr: { closes: number[] } }).__rr.closes)).toEqual([]);

    janus.down(false);
    await picturesOver(pages, 'sfu');
    expect(site.relay.video.status()).toMatchObject({ mode: 'sfu', fallback: false });
    expect(site.relay.mesh.peers(`${site.demo.tenant}\n${site.demo.meeting}`)).toEqual([]);
    for (const p of Object.values(pages)) await p.context().close(); // two cores: the next test's pages alone
  }, 420_000);

  it('DIS-5 VID-1 the data centre down (primary relay and its Janus killed): the pages continue on the backup relay, their video too, over its mesh, and return to the primary once it is back', async () => {
    const demo = makeDemo();
    const [pDir, bDir] = [tempDir(), tempDir()];
    stops.push(() => cleanup(pDir, bDir));
    const seeding = await startRelay({ dataDir: pDir, port: 0, quiet: true, demo: true });
    await seedDemo(seeding.store, demo);
    seeding.identity.directory.put(demo.tenant, demoMasterData(demo));
    await seeding.close();
    copyFileSync(join(pDir, 'secrets.key'), join(bDir, 'secrets.key')); // the backup opens the replicated TOTP rows
    const [pPort, bPort] = [await freePort(), await freePort()];
    const token = 'video-backup-replication-token';
    const primary = await relayProcess({ dataDir: pDir, port: pPort, staticDir: 'dist', quiet: true, demo: true, backupRelays: [`ws://127.0.0.1:${bPort}/sync`], replication: { token }, video: {} });
    stops.push(() => killProcess(primary));
    const backup = await startRelay({ dataDir: bDir, port: bPort, quiet: true, demo: true, video: { janus: false }, replication: { from: `http://127.0.0.1:${pPort}`, token, intervalMs: 500 } });
    stops.push(() => backup.close());
    expect(backup.video.status().mode).toBe('mesh');
    await until(async () => (await backup.store.all(demo.tenant, demo.meeting, ['public'])).length > 0, 'the backup holds the meeting', 60_000);

    const links = await demoLinks(demo, `http://127.0.0.1:${pPort}`);
    // The app's own CSP (no bypass): the backup relay's origin is the one exception it allows.
    const open = async (url: string) => {
      const { page } = await videoParticipant(suite.browser(), url);
      await whenStatus(page, 'online', 120_000);
      await whenVideo(page, 120_000);
      return page;
    };
    const pages = { m01: await open(links.chair.url), m02: await open(links.members[0]!.url), m03: await open(links.members[1]!.url) };
    for (const p of Object.values(pages)) await expect.poll(() => pathOf(p), T).toBe('sfu');

    await killProcess(primary);
    await picturesOver(pages, 'mesh');
    const room = `${demo.tenant}\n${demo.meeting}`;
    expect(backup.mesh.peers(room).map((x) => x.person).sort(), 'the peer ids are the backup relay\'s').toEqual(['m01', 'm02', 'm03']);
    for (const p of Object.values(pages)) expect(await p.locator('.video-pane .video-status').textContent()).toBe(`${de['video.status.connected']} – ${de['video.path.mesh']}`);

    // The primary comes back (with its Janus): the sessions go back to it, and their video with them, so that the
    // meeting is not split over two relays' rooms.
    const again = await relayProcess({ dataDir: pDir, port: pPort, staticDir: 'dist', quiet: true, demo: true, backupRelays: [`ws://127.0.0.1:${bPort}/sync`], replication: { token }, video: {} });
    stops.push(() => killProcess(again));
    await picturesOver(pages, 'sfu');
    await until(() => backup.mesh.peers(room).length === 0, "no page is left in the backup's mesh", 60_000);
  }, 600_000);
});

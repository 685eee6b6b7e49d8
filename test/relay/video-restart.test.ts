/**
 * Janus crashes (VIDEO-NOTES: 1.1.2 has known SIGSEGVs): the relay starts it again with fresh secrets and
 * rebuilds the meeting's room from its own fold, so the chair's orders hold for everyone who reconnects.
 * Proven at the wire: RTP packets at a real WebRTC receiver (node-datachannel), Janus' own API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIDEOROOM } from '../../relay/video/janus-api.js';
import { flat, janusDirect, rtcPublisher, rtcReceiver, waitFor } from './video-sfu.helpers.js';
import { type SfuRelay, sfuSuite } from './sfu-suite.js';

let r: SfuRelay;
const { cleanups } = sfuSuite((x) => (r = x));

describe('Janus supervision', () => {
  it("VID-1 Janus killed with SIGKILL is restarted and the meeting's room is rebuilt with the orders in force", async () => {
    const [chair, m2, m3, m6] = [await r.member('m01'), await r.member('m02'), await r.member('m03'), await r.member('m06')];
    const pub = await rtcPublisher(() => r.socket(m2), 2);
    const s2 = pub.sock;
    await pub.connected();
    const sc = await r.socket(chair);
    // The chair's orders before the crash: m02's picture stopped, m03 removed, the room locked.
    await chair.replica.create('media.order', { person: 'm02', media: 'video', on: false });
    await chair.replica.create('participant.remove', { person: 'm03', scope: 'session' });
    await chair.replica.create('room.lock', { locked: true });
    const m = await r.relay.video.meeting(r.demo.tenant, r.demo.meeting);
    await waitFor(() => m.state.state.room.locked, 'the relay folded the lock');
    const before = r.relay.video.status();
    const secretBefore = r.relay.video.janus()!.adminSecret;
    const cfgBefore = readFileSync(join(r.dataDir, 'janus', 'janus.jcfg'), 'utf8');
    process.kill(before.pid!, 'SIGKILL');
    // Every socket is told the SFU went away: moved to the mesh meanwhile (DIS-5, video-fallback.test.ts).
    for (const s of [s2, sc]) await waitFor(() => s.of('ready').at(-1)?.mode === 'mesh', 'moved to the mesh');
    pub.close();
    s2.ws.close();
    sc.ws.close();
    await waitFor(() => r.relay.video.status().pid !== null && r.relay.video.status().pid !== before.pid && !!m.room, 'Janus up again with the room', 60_000);
    await waitFor(() => r.relay.video.status().mode === 'sfu', 'video back on the SFU after the stable time', 120_000);
    expect(r.relay.video.status().restarts).toBe(1);
    // Fresh secrets, a freshly written config.
    expect(r.relay.video.janus()!.adminSecret).not.toBe(secretBefore);
    expect(readFileSync(join(r.dataDir, 'janus', 'janus.jcfg'), 'utf8')).not.toBe(cfgBefore);
    // The room exists on the new Janus (asked through its own API, under the relay's room id).
    const j = r.relay.video.janus()!;
    const probe = 'f'.repeat(48);
    await j.admin.addToken(probe, [VIDEOROOM]);
    const janus = await janusDirect(r.relay);
    try {
      const h = await (await janus.session(probe)).attach(VIDEOROOM);
      expect((await h.message({ request: 'exists', room: m.room!.id })).data.exists).toBe(true);
    } finally {
      janus.close();
      await j.admin.removeToken(probe);
    }
    // m02 (inside at the lock) and the chair come back; m02's sound flows to the chair, its picture stays stopped.
    const pub2 = await rtcPublisher(() => r.socket(m2), 2);
    expect(pub2.sock.got[0]).toMatchObject({ t: 'ready', mode: 'sfu' });
    cleanups.push(() => pub2.close());
    await pub2.connected();
    const rx = await rtcReceiver(await r.socket(chair), 'subscribe');
    cleanups.push(() => rx.close());
    await rx.flowing(rx.mid('m02', 'audio'), "m02's sound at the chair after the restart");
    await flat(() => rx.count(rx.mid('m02', 'video')), "m02's picture (stopped by order) after the restart");
    expect(rx.count(rx.mid('m02', 'video'))).toBe(0);
    // The removed member and a newcomer to the locked room are refused as before.
    const s3 = await r.socket(m3);
    expect(s3.got[0]).toMatchObject({ t: 'error', code: 'removed' });
    const s6 = await r.socket(m6);
    expect(s6.got[0]).toMatchObject({ t: 'error', code: 'locked' });
  }, 200_000);
});

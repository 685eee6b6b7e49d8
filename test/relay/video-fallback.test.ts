/**
 * DIS-5: the SFU gone while the relay runs. A real Janus is killed with SIGKILL and kept from starting again (a
 * wrapper that fails while a flag file exists), or stopped with SIGSTOP (hung, still "running"). Raw /video
 * sockets read what the relay says: a new `ready` on the same socket, mode mesh with TURN credentials and a peer
 * id, the chair's removal still closing a socket, and the move back to the SFU only once a restarted Janus has run
 * the stable time (a Janus killed again before that moves nobody).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { VideoServerMessage } from '../../core/video-wire.js';
import { alive, janusSwitch } from '../helpers/janus-switch.js';
import type { NodeDevice } from '../helpers/relay.js';
import { type SfuRelay, sfuSuite } from './sfu-suite.js';
import { publish, type VideoSocket, waitFor } from './video-sfu.helpers.js';

const janus = janusSwitch();
afterAll(() => janus.remove());

/** Long enough that the test kills a restarted Janus well before it, on any machine. */
const STABLE_MS = 20_000;
let r: SfuRelay;
const { dev } = sfuSuite((x) => (r = x), { janus: janus.binary, sfuStableMs: STABLE_MS, probe: { everyMs: 1000, timeoutMs: 2000, misses: 2 } });

type Ready = Extract<VideoServerMessage, { t: 'ready' }>;
const readies = (s: VideoSocket): Ready[] => s.of('ready');
const lastReady = (s: VideoSocket) => readies(s).at(-1)!;
const peersOf = (s: VideoSocket) => (s.of('presence').at(-1)?.peers ?? []).map((p) => p.person).sort();

async function janusUp(before: number | null): Promise<number> {
  await waitFor(() => r.relay.video.status().pid !== null && r.relay.video.status().pid !== before, 'Janus up again', 120_000);
  return r.relay.video.status().pid!;
}

describe('video when the SFU is gone (DIS-5)', () => {
  let chair: NodeDevice;
  let s1: VideoSocket;
  let s2: VideoSocket;

  it('DIS-5 VID-1 Janus killed and kept down: every /video socket gets ready mesh with TURN and a peer id on the same socket; the chair first of the five the mesh takes; orders hold; back to sfu only after the restarted Janus ran the stable time', async () => {
    const m02 = await dev('m02');
    const m03 = await dev('m03');
    const others = [await dev('m04'), await dev('m05'), await dev('m06'), await dev('m07')];
    chair = await dev('m01');
    s2 = await r.socket(m02);
    const [s4, s5, s6, s7] = [await r.socket(others[0]!), await r.socket(others[1]!), await r.socket(others[2]!), await r.socket(others[3]!)];
    s1 = await r.socket(chair); // the chair last: of six on the SFU, the mesh has room for five
    expect(lastReady(s1)).toMatchObject({ mode: 'sfu' });
    expect(lastReady(s1).fallback).toBeUndefined();
    expect(await publish(s2)).toMatchObject({ t: 'published' });

    janus.down(true);
    const first = r.relay.video.status().pid!;
    process.kill(first, 'SIGKILL');
    for (const s of [s1, s2, s4, s5, s6]) await waitFor(() => lastReady(s).mode === 'mesh', 'a new ready on the same socket', 60_000);
    for (const s of [s1, s2, s4, s5, s6]) {
      expect(s.closeCode(), 'the socket stays open').toBeUndefined();
      const ready = lastReady(s);
      expect(ready.fallback).toBe('sfu-down');
      expect(ready.mesh?.peerId).toMatch(/^[0-9a-f]{32}$/);
      // The relay's own coturn with TURN REST credentials for this device.
      const turn = ready.iceServers.find((i) => String(i.urls).startsWith('turn:'));
      expect(turn?.username).toMatch(/^\d+:[0-9a-f]{64}$/);
    }
    // The chair goes first; the last member to have joined finds the mesh full.
    expect(await s7.closed()).toBe(4409);
    expect(s7.of('error').at(-1)).toMatchObject({ code: 'mesh-full' });
    expect(r.relay.video.status()).toMatchObject({ mode: 'mesh', fallback: true, pid: null });
    // On the mesh nothing is published to the SFU.
    expect(await publish(s2)).toMatchObject({ t: 'error', code: 'mode' });
    await waitFor(() => peersOf(s1).join() === 'm01,m02,m04,m05,m06', 'five listed as mesh peers');
    // A new socket is put on the mesh at once, instead of 4503, once there is room.
    s6.ws.close();
    await waitFor(() => peersOf(s1).join() === 'm01,m02,m04,m05', 'm06 gone from the mesh');
    const s3 = await r.socket(m03);
    expect(s3.got[0]).toMatchObject({ t: 'ready', mode: 'mesh', fallback: 'sfu-down' });
    await waitFor(() => peersOf(s1).join() === 'm01,m02,m03,m04,m05', 'm03 listed');
    // Janus keeps failing to start meanwhile; nobody is moved.
    const restarts = r.relay.video.status().restarts;
    await waitFor(() => r.relay.video.status().restarts >= restarts + 2, 'two more failed restarts', 60_000);
    expect(r.relay.video.status().mode).toBe('mesh');

    // The chair's removal holds on the mesh: the socket goes, with it the peer id; a new ticket is refused.
    await chair.replica.create('participant.remove', { person: 'm03', scope: 'session' });
    expect(await s3.closed()).toBe(4403);
    await waitFor(() => peersOf(s1).join() === 'm01,m02,m04,m05', 'm03 no longer listed');
    expect((await r.socket(m03)).got[0]).toMatchObject({ t: 'error', code: 'removed' });

    // Janus may start again; killed before it ran the stable time, it moves nobody (no flapping).
    janus.down(false);
    const second = await janusUp(null);
    process.kill(second, 'SIGKILL');
    const third = await janusUp(second);
    expect(readies(s1).filter((x) => x.mode === 'sfu')).toHaveLength(1); // the first one only
    expect(r.relay.video.status().mode).toBe('mesh');
    // Once it has run the stable time, the sockets are moved back, again without a reconnect.
    for (const s of [s1, s2, s4, s5]) await waitFor(() => lastReady(s).mode === 'sfu', 'back on the SFU', STABLE_MS + 60_000);
    // A Janus running (the third, or a later one if the loaded machine made the probe give up on it again).
    expect(r.relay.video.status()).toMatchObject({ mode: 'sfu', fallback: false, pid: expect.any(Number) });
    expect(third).toBeGreaterThan(0);
    for (const s of [s1, s2]) {
      expect(s.closeCode()).toBeUndefined();
      expect(lastReady(s).fallback).toBeUndefined();
    }
    expect(await publish(s2)).toMatchObject({ t: 'published' });
    // No mesh peer ids are left for the meeting.
    expect(r.relay.mesh.peers(`${r.demo.tenant}\n${r.demo.meeting}`)).toEqual([]);
  }, 400_000);

  it('DIS-5 a Janus that stops answering (SIGSTOP) is killed by the relay and video moves to the mesh, then back', async () => {
    const hung = r.relay.video.status().pid!;
    const from = readies(s1).length;
    process.kill(hung, 'SIGSTOP');
    await waitFor(() => readies(s1).length > from && lastReady(s1).mode === 'mesh', 'moved to the mesh', 60_000);
    await waitFor(() => !alive(hung), 'the hung Janus killed', 30_000);
    expect(lastReady(s1).fallback).toBe('sfu-down');
    await janusUp(hung);
    await waitFor(() => lastReady(s1).mode === 'sfu', 'back on the SFU', STABLE_MS + 60_000);
    expect(s1.closeCode()).toBeUndefined();
  }, 300_000);
});

/**
 * The relay's SFU at the Janus level (scripts/netns.mjs runs this inside a network namespace): our own Janus,
 * the chair's orders carried out on it (proven by RTP packets at real WebRTC receivers, node-datachannel),
 * orders the fold rejects not carried out, bans and the lock through Janus' own API, the public limited to
 * Streaming, tickets, bad frames, presence.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { JanusAdmin, JanusError, STREAMING, VIDEOROOM } from '../../relay/video/janus-api.js';
import { VIDEO_CLOSE, VIDEO_LIMITS } from '../../core/video-wire.js';
import type { NodeDevice } from '../helpers/relay.js';
import { flat, janusDirect, publish, rtcPublisher, rtcReceiver, type VideoSocket, videoSocket, waitFor } from './video-sfu.helpers.js';
import { type SfuRelay, sfuSuite } from './sfu-suite.js';

let r: SfuRelay;
const { cleanups, dev } = sfuSuite((x) => (r = x));
/** The chair's receiver and m02's publisher, made in the first order test and used by the later ones. */
let chairRx: Awaited<ReturnType<typeof rtcReceiver>>;
let m2Socket: VideoSocket;

const meeting = () => r.relay.video.meeting(r.demo.tenant, r.demo.meeting);
/** The relay's socket of a person in the meeting (its Janus token and participant id). */
const connOf = async (person: string) => [...(await meeting()).conns].find((c) => c.ticket.person === person)!;

/** Listening TCP sockets in this network namespace: [address, port]. */
/** The TCP sockets in LISTEN state that the given processes hold (by socket inode), as [hex address, port]. */
function listening(pids: number[]): [string, number][] {
  const inodes = new Set<string>();
  for (const pid of pids)
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const link = (() => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })();
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodes.add(m[1]!);
    }
  const out: [string, number][] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6'])
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== '0A' || !inodes.has(cols[9]!)) continue;
      const [addr, port] = cols[1]!.split(':') as [string, string];
      out.push([addr, parseInt(port, 16)]);
    }
  return out;
}

describe('video SFU (Janus)', () => {
  it("VID-1 the relay runs its own Janus with its own config on loopback; the package's default ports are not open", async () => {
    const st = r.relay.video.status();
    expect(st.mode).toBe('sfu');
    const cmd = readFileSync(`/proc/${st.pid}/cmdline`, 'utf8').split('\0');
    const dir = join(r.dataDir, 'janus');
    expect(cmd).toEqual(expect.arrayContaining(['-F', dir, '-C', join(dir, 'janus.jcfg')]));
    const cfg = readFileSync(join(dir, 'janus.jcfg'), 'utf8');
    expect(cfg).toMatch(/token_auth = true/);
    expect(cfg).not.toMatch(/janusoverlord/);
    if (process.env.RATSRAUM_ICE_INTERFACE) expect(cfg).toContain(`ice_enforce_list = "${process.env.RATSRAUM_ICE_INTERFACE}"`);
    // Every listening socket of the relay and its Janus is on 127.0.0.1, none on the package's ports (other test
    // files' relays and coturn in the same namespace are not this relay's).
    const open = listening([process.pid, st.pid!]);
    expect(open.length).toBeGreaterThan(1);
    for (const [addr, port] of open) {
      expect(addr).toBe('0100007F');
      expect([8088, 8089, 8188, 8989, 7088, 7889, 7188, 7989]).not.toContain(port);
    }
    const janus = await janusDirect(r.relay);
    try {
      const info = await janus.info();
      expect(Object.keys(info.plugins as object).sort()).toEqual([STREAMING, VIDEOROOM]);
      expect(Object.keys(info.transports as object)).toEqual(['janus.transport.websockets']);
      expect(Object.keys(info.events as object)).toEqual([]);
      // Without a token Janus refuses to open a session (403).
      await expect(janus.session()).rejects.toMatchObject({ code: 403 });
    } finally {
      janus.close();
    }
    // The package's well-known admin secret opens nothing.
    const admin = await JanusAdmin.connect(r.relay.video.janus()!.adminUrl, 'janusoverlord');
    await expect(admin.listTokens()).rejects.toBeInstanceOf(JanusError);
    admin.close();
  }, 150_000);

  it('SEC-4 a public ticket cannot publish (refused) and its Janus token is limited to Streaming (405 on VideoRoom)', async () => {
    const pub = await r.member(null);
    const s = await r.socket(pub);
    expect(s.got[0]).toMatchObject({ t: 'ready', mode: 'sfu', person: null });
    expect(await publish(s)).toMatchObject({ t: 'error', code: 'forbidden' });
    expect(await s.ask({ t: 'subscribe' }, 'offer')).toMatchObject({ t: 'error', code: 'forbidden' });
    const c = [...(await meeting()).conns].find((x) => x.ticket.role === 'public')!;
    const janus = await janusDirect(r.relay);
    try {
      const session = await janus.session(c.token);
      await expect(session.attach(VIDEOROOM)).rejects.toMatchObject({ code: 405 });
      await session.attach(STREAMING);
      await session.destroy();
    } finally {
      janus.close();
    }
    // The public still watches.
    expect(await s.ask({ t: 'watch' }, 'offer')).toMatchObject({ t: 'offer' });
  }, 150_000);

  it('VID-5 a ticket is good once, for its login, for 60 s; an unknown one closes the socket with 4401', async () => {
    const m = await dev('m07');
    const ticket = await m.client.videoTicket();
    const first = await videoSocket(r.videoUrl, ticket);
    expect(first.got[0]).toMatchObject({ t: 'ready', person: 'm07' });
    const again = await videoSocket(r.videoUrl, ticket);
    expect(again.got[0]).toMatchObject({ t: 'error', code: 'ticket' });
    expect(await again.closed()).toBe(VIDEO_CLOSE.ticket);
    const forged = await videoSocket(r.videoUrl, 'ab'.repeat(32));
    expect(await forged.closed()).toBe(VIDEO_CLOSE.ticket);
    const late = await m.client.videoTicket();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + VIDEO_LIMITS.ticketMs + 1000 });
    try {
      const expired = await videoSocket(r.videoUrl, late);
      expect(expired.got[0]).toMatchObject({ t: 'error', code: 'ticket' });
    } finally {
      vi.useRealTimers();
    }
    first.ws.close();
  }, 150_000);

  it('VID-5 frames before or instead of a valid hello, oversize, binary or malformed, get an error frame', async () => {
    const s = await videoSocket(r.videoUrl, '');
    const errorAfter = async (frame: string | Buffer) => {
      const from = s.got.length;
      s.ws.send(frame);
      return (await s.next('error', from))?.code;
    };
    expect(await errorAfter('not json')).toBe('bad-frame');
    expect(await errorAfter(JSON.stringify({ t: 'publish', jsep: { type: 'offer', sdp: 'x' }, audio: true, video: true }))).toBe('protocol');
    expect(await errorAfter(JSON.stringify({ t: 'hello', ticket: 'x' }))).toBe('bad-frame');
    expect(await errorAfter('x'.repeat(VIDEO_LIMITS.frame + 10))).toBe('too-large');
    expect(await errorAfter(Buffer.from([1, 2, 3]))).toBe('bad-frame');
    expect(s.closeCode()).toBeUndefined();
    s.ws.close();
  }, 150_000);

  it('VID-2 an order signed by a non-chair device is stored but the fold rejects it and Janus is not asked', async () => {
    const [chair, m2, m3] = [await dev('m01'), await dev('m02'), await dev('m03')];
    const pub = await rtcPublisher(() => r.socket(m2), 2);
    m2Socket = pub.sock;
    cleanups.push(() => pub.close());
    await pub.connected();
    const rx = await rtcReceiver(await r.socket(chair), 'subscribe');
    chairRx = rx;
    cleanups.push(() => rx.close());
    const [sound, picture] = [rx.mid('m02', 'audio'), rx.mid('m02', 'video')];
    await rx.flowing(sound, "m02's sound at the chair");
    const m = await meeting();
    const ordersBefore = m.orders;
    const forged = await m3.replica.create('media.order', { person: 'm02', media: 'audio', on: false });
    await waitFor(async () => await r.relay.store.has(r.demo.tenant, r.demo.meeting, forged.id), 'the relay stored the forged order');
    await waitFor(() => m.state.state.rejected.some((x) => x.entry === forged.id), "the relay's fold rejected it");
    await rx.flowing(sound, 'sound still flows');
    expect(m.orders).toBe(ordersBefore);
    // The chair's own order is carried out: the sound stops at the receiver, the picture flows on; lifted, it returns.
    await chair.replica.create('media.order', { person: 'm02', media: 'audio', on: false });
    await flat(() => rx.count(sound), "m02's sound after the chair's mute");
    await rx.flowing(picture, "m02's picture after the mute");
    expect(m.orders).toBeGreaterThan(ordersBefore);
    await chair.replica.create('media.order', { person: 'm02', media: 'audio', on: true });
    await rx.flowing(sound, "m02's sound after the mute is lifted");
  }, 150_000);

  it("VID-2 a removed member's ticket cannot publish, and Janus' allowed list no longer admits them", async () => {
    const [chair, m4] = [await dev('m01'), await dev('m04')];
    const pub = await rtcPublisher(() => r.socket(m4), 4);
    const s4 = pub.sock;
    cleanups.push(() => pub.close());
    await pub.connected();
    await waitFor(() => chairRx.offers() > 1 && (() => { try { return !!chairRx.mid('m04', 'audio'); } catch { return false; } })(), "m04's feed offered to the chair");
    const sound = chairRx.mid('m04', 'audio');
    await chairRx.flowing(sound, "m04's sound at the chair");
    const c4 = await connOf('m04');
    const m = await meeting();
    const room = m.room!;

    await chair.replica.create('participant.remove', { person: 'm04', scope: 'session', reason: 'Störung' });
    expect(await s4.closed()).toBe(VIDEO_CLOSE.removed);
    expect(s4.of('error').at(-1)).toMatchObject({ code: 'removed' });
    await flat(() => chairRx.count(sound), "m04's sound after the removal");
    // A new ticket of the removed member is refused at once.
    const again = await r.socket(m4);
    expect(again.got[0]).toMatchObject({ t: 'error', code: 'removed' });
    expect(await again.closed()).toBe(VIDEO_CLOSE.removed);
    // Janus itself: the old token made valid again (as if it leaked) still cannot join the room (ACL: 433).
    const j = r.relay.video.janus()!;
    await j.admin.addToken(c4.token, [VIDEOROOM]);
    const janus = await janusDirect(r.relay);
    try {
      const h = await (await janus.session(c4.token)).attach(VIDEOROOM);
      await expect(h.message({ request: 'join', ptype: 'publisher', room: room.id, pin: room.pin, token: c4.token, display: 'm04' })).rejects.toMatchObject({ code: 433 });
    } finally {
      janus.close();
      await j.admin.removeToken(c4.token);
    }
    await chair.replica.create('participant.readmit', { person: 'm04' });
    await waitFor(() => !m.state.state.room.removed.m04, 'readmitted in the fold');
    const back = await r.socket(m4);
    expect(back.got[0]).toMatchObject({ t: 'ready', person: 'm04' });
    back.ws.close();
  }, 150_000);

  it('VID-2 a locked room refuses a new member and keeps the chair', async () => {
    const [chair, m5, m6] = [await dev('m01'), await dev('m05'), await dev('m06')];
    const s5 = await r.socket(m5);
    expect(s5.got[0]).toMatchObject({ t: 'ready' });
    const m = await meeting();
    const room = m.room!;
    const openPin = room.pin;
    await chair.replica.create('room.lock', { locked: true });
    await waitFor(() => room.pin !== openPin, 'the room PIN changed on Janus');
    const s6 = await r.socket(m6);
    expect(s6.got[0]).toMatchObject({ t: 'error', code: 'locked' });
    expect(await s6.closed()).toBe(VIDEO_CLOSE.locked);
    const chairAgain = await r.socket(chair);
    expect(chairAgain.got[0]).toMatchObject({ t: 'ready', person: 'm01' });
    expect(s5.closeCode()).toBeUndefined();
    // Janus itself refuses a join with the PIN the room had before the lock (433 wrong pin), and takes the current one.
    const c5 = await connOf('m05');
    const janus = await janusDirect(r.relay);
    try {
      const session = await janus.session(c5.token);
      const h = await session.attach(VIDEOROOM);
      await expect(h.message({ request: 'join', ptype: 'publisher', room: room.id, pin: openPin, token: c5.token })).rejects.toMatchObject({ code: 433, message: expect.stringMatching(/pin/) });
      await expect(h.message({ request: 'join', ptype: 'publisher', room: room.id, pin: room.pin, token: c5.token })).resolves.toBeDefined();
      await session.destroy();
    } finally {
      janus.close();
    }
    await chair.replica.create('room.lock', { locked: false });
    await waitFor(() => !m.state.state.room.locked, 'unlocked in the fold');
    const s6b = await r.socket(m6);
    expect(s6b.got[0]).toMatchObject({ t: 'ready', person: 'm06' });
    chairAgain.ws.close();
    s6b.ws.close();
  }, 150_000);

  it('VID-4 the public stream carries the floor holder, switches with the floor, and stops when it is withdrawn', async () => {
    const [chair, m5] = [await dev('m01'), await dev('m05')];
    const viewer = await r.socket(await r.member(null));
    const rx = await rtcReceiver(viewer, 'watch');
    cleanups.push(() => rx.close());
    const pub5 = await rtcPublisher(() => r.socket(m5), 5);
    cleanups.push(() => pub5.close());
    await pub5.connected();
    await chair.replica.create('session.open', {});
    await chair.replica.create('floor.give', { person: 'm02' });
    await waitFor(() => rx.tag('a') === 2 && rx.tag('v') === 2, "m02's sound and picture at the public");
    await chair.replica.create('floor.give', { person: 'm05' });
    await waitFor(() => rx.tag('a') === 5 && rx.tag('v') === 5, "m05's sound and picture at the public after the switch");
    await chair.replica.create('floor.end', {});
    await flat(() => rx.count('v'), 'the public picture after the floor was withdrawn');
  }, 150_000);

  it('VID-3 AV-2 presence reaches every socket, the public included: connected, sound, picture, quality, and a drop', async () => {
    const viewer = await r.socket(await r.member(null));
    const m2At = (sock: VideoSocket) => sock.of('presence').at(-1)?.members.find((x) => x.person === 'm02');
    await waitFor(() => m2At(viewer)?.connected === true && m2At(viewer)?.video === true, 'm02 with picture in the public presence');
    const report = { rttMs: 40, lossPct: 0, upKbps: 800, downKbps: 900, fps: 15, audioOut: true, videoOut: true };
    m2Socket.send({ t: 'stats', stats: report });
    await waitFor(() => m2At(viewer)?.quality === 'good', 'good quality');
    m2Socket.send({ t: 'stats', stats: { ...report, rttMs: 900, lossPct: 12 } });
    await waitFor(() => m2At(viewer)?.quality === 'poor', 'poor quality');
    // Picture gone without a switch of its own or an order: lost, at once.
    m2Socket.send({ t: 'stats', stats: { ...report, videoOut: false } });
    await waitFor(() => m2At(viewer)?.quality === 'lost', 'lost');
    // Its own switch: picture off, and no longer lost.
    m2Socket.send({ t: 'self', audio: true, video: false });
    m2Socket.send({ t: 'stats', stats: { ...report, videoOut: false } });
    await waitFor(() => m2At(viewer)?.video === false && m2At(viewer)?.quality === 'good', 'picture off by own switch');
    // m02's sound is off by the floor's end (an order), in every view.
    expect(m2At(viewer)?.audio).toBe(false);
  }, 150_000);

  it('DS-3 recording runs on Janus only from a permitted start and stops with the stop; a member cannot start it', async () => {
    const [chair, m3] = [await dev('m01'), await dev('m03')];
    const m = await meeting();
    const dir = join(r.dataDir, 'recordings', r.demo.tenant, r.demo.meeting);
    const files = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.mjr')) : []);
    const bytes = () => files().reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    if (!m.state.state.room.recording.allowed) {
      const admin = await dev('verwaltung');
      await admin.replica.create('legal.recording', { allowed: true, storage: 'Server der Stadt', retentionDays: 30 });
      await waitFor(() => m.state.state.room.recording.allowed, 'recording allowed in the fold');
    }
    const ordersBefore = m.orders;
    const forged = await m3.replica.create('recording.start', {});
    await waitFor(() => m.state.state.rejected.some((x) => x.entry === forged.id), "the relay's fold rejected a member's start");
    expect(m.orders).toBe(ordersBefore);
    expect(files()).toEqual([]);
    await chair.replica.create('recording.start', {});
    await waitFor(() => files().some((f) => f.includes('audio')) && bytes() > 2000, "Janus records m02's sound and picture", 45_000);
    // The period the log decided lies next to the files, for retention (DS-2).
    expect(JSON.parse(readFileSync(join(dir, 'retention.json'), 'utf8'))).toEqual({ retentionDays: m.state.state.room.recording.retentionDays });
    await chair.replica.create('recording.stop', {});
    await waitFor(() => !m.state.state.room.recording.running, 'stopped in the fold');
    await flat(bytes, 'the recording files after the stop');
  }, 150_000);

  it('PUB-5 during a non-public part no picture or sound reaches a public viewer; the members still see each other', async () => {
    const chair = await dev('m01');
    const viewer = await rtcReceiver(await r.socket(await r.member(null)), 'watch');
    cleanups.push(() => viewer.close());
    await chair.replica.create('floor.give', { person: 'm05' });
    await waitFor(() => viewer.tag('v') === 5, "the floor holder's picture at the public");
    await chair.replica.create('item.current', { item: null, nonPublic: true });
    await flat(() => viewer.count('v') + viewer.count('a'), 'the public stream in the non-public part');
    const late = await rtcReceiver(await r.socket(await r.member(null)), 'watch');
    cleanups.push(() => late.close());
    await flat(() => late.count('v') + late.count('a'), 'a viewer who comes during the non-public part');
    expect(late.count('v') + late.count('a')).toBe(0);
    await chairRx.flowing(chairRx.mid('m02', 'video'), 'the members see each other meanwhile');
    await chair.replica.create('item.current', { item: 'top5' });
    await viewer.flowing('v', 'the public picture back with the public item');
  }, 150_000);

  it('HYB-1 the room device is one participant, shown as the room, and feeds the public stream while nobody has the floor', async () => {
    const chair = await dev('m01');
    const room = await dev('saal');
    const pub = await rtcPublisher(() => r.socket(room), 9);
    const roomSock = pub.sock;
    expect(roomSock.got[0]).toMatchObject({ t: 'ready', person: 'saal' });
    cleanups.push(() => pub.close());
    await pub.connected();
    const viewer = await rtcReceiver(await r.socket(await r.member(null)), 'watch');
    cleanups.push(() => viewer.close());
    await chair.replica.create('floor.end', {});
    await waitFor(() => viewer.tag('v') === 9 && viewer.tag('a') === 9, "the room's picture and sound at the public");
    await waitFor(() => !!roomSock.of('presence').at(-1)?.members.some((x) => x.person === 'saal' && x.room), 'the room in the presence');
    await waitFor(() => { try { return chairRx.mid('saal', 'video') !== undefined; } catch { return false; } }, "the room's feed offered to the chair");
    await chairRx.flowing(chairRx.mid('saal', 'video'), "the room's picture at the chair");
    await chair.replica.create('floor.give', { person: 'm02' });
    await waitFor(() => viewer.tag('v') === 2, 'the floor holder replaces the room at the public');
  }, 150_000);
});

/**
 * The non-public part and conflicts of interest on the relay's own Janus (scripts/netns.mjs runs this inside a
 * network namespace): PUB-5 proven at the public's side (RTP packets at a real Streaming receiver, the public
 * client's raw WebSocket bytes, /metrics, the public export), BEF-1/2 at the excluded member's and the chair's
 * receivers. Helper E2E proves the encryption half (the relay's SQLite files).
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { encodeControl } from '../../core/wire.js';
import { VIDEO_CLOSE } from '../../core/video-wire.js';
import type { NodeDevice } from '../helpers/relay.js';
import { OP, rawSocket, wsFrame } from '../helpers/raw-socket.js';
import { flat, rtcPublisher, rtcReceiver, waitFor } from './video-sfu.helpers.js';
import { type SfuRelay, sfuSuite } from './sfu-suite.js';

let r: SfuRelay;
const { cleanups, dev } = sfuSuite((x) => (r = x));
const MARKER = 'Qz7GEHEIMxParzelle';

/** The members' agenda gets a non-public item whose title carries the marker. */
function secretItem(): Uint8Array {
  const d = new Y.Doc();
  const m = new Y.Map<unknown>();
  for (const [k, v] of Object.entries({ id: 'n9', no: '9', title: `Grundstück ${MARKER}`, public: false })) m.set(k, v);
  d.getArray('agenda').push([m]);
  return Y.encodeStateAsUpdate(d);
}

function draftText(text: string): Uint8Array {
  const d = new Y.Doc();
  const t = new Y.Text();
  d.getMap('minutes').set('item:n9', t);
  t.insert(0, text);
  return Y.encodeStateAsUpdate(d);
}

describe('the non-public part on the SFU', () => {
  it('PUB-5 the public stream is cut before any packet of the non-public item reaches a public viewer, and resumes with the public part; no public byte carries the item', async () => {
    const chair = await dev('m01');
    const speaker = await dev('m05');
    await chair.replica.create('session.open', {});
    await speaker.replica.create('attendance.in', { person: 'm05', place: 'remote' });
    const pub = await rtcPublisher(() => r.socket(speaker), 5);
    cleanups.push(() => pub.close());
    await pub.connected();
    // The public: a Streaming receiver that notes the tag of every packet, and a raw /sync socket whose bytes are kept.
    const tags: number[] = [];
    const viewer = await rtcReceiver(await r.socket(await r.member(null)), 'watch', (_mid, tag) => tags.push(tag));
    cleanups.push(() => viewer.close());
    const raw = await rawSocket(r.relay.port);
    cleanups.push(() => raw.sock.destroy());
    raw.sock.write(wsFrame(OP.binary, encodeControl({ t: 'public', tenant: r.demo.tenant, meeting: r.demo.meeting })));
    raw.sock.write(wsFrame(OP.binary, encodeControl({ t: 'sync', frontier: {} })));
    await chair.replica.create('floor.give', { person: 'm05' });
    await waitFor(() => viewer.tag('v') === 5, "the floor holder's picture at the public");

    await chair.replica.createY(secretItem(), 'members');
    await waitFor(() => speaker.replica.state.agenda.some((i) => i.id === 'n9'), 'the speaker has the item');
    // PUB-6: the remote speaker has not confirmed confidentiality: the relay's fold refuses the marker, the stream goes on.
    await chair.replica.create('confidentiality.remind', {});
    const refused = await chair.replica.create('item.current', { item: null, nonPublic: true, no: '9' });
    const m = await r.relay.video.meeting(r.demo.tenant, r.demo.meeting);
    await waitFor(() => m.state.state.rejected.some((x) => x.entry === refused.id), "the relay's fold refused the marker");
    await viewer.flowing('v', 'the public picture while the marker is refused');
    await speaker.replica.create('confidentiality.confirm', { person: 'm05' });
    await waitFor(() => chair.replica.state.confidentiality.pending.length === 0, 'confirmed');

    // From the moment the speaker's device sees the non-public item, every packet it sends is tagged 77.
    const off = speaker.replica.onChange(() => speaker.replica.state.nonPublicPart && pub.setTag(77));
    await chair.replica.create('item.current', { item: null, nonPublic: true, no: '9' });
    await chair.replica.create('item.current', { item: 'n9' }, 'members');
    await waitFor(() => speaker.replica.state.currentItem === 'n9', 'the speaker in the non-public item');
    await chair.replica.create('vote.open', { vote: 'vn9', item: 'n9', title: `Verkauf ${MARKER}`, mode: 'open' }, 'members');
    await chair.replica.createY(draftText(`Aussprache: ${MARKER}`), 'members');
    await speaker.replica.create('vote.cast', { vote: 'vn9', choice: 'yes' }, 'members');
    const atCut = tags.length;
    await flat(() => viewer.count('v') + viewer.count('a'), 'the public stream in the non-public part');
    const late = await rtcReceiver(await r.socket(await r.member(null)), 'watch');
    cleanups.push(() => late.close());
    await flat(() => late.count('v') + late.count('a'), 'a viewer who comes during the non-public part');
    expect(late.count('v') + late.count('a')).toBe(0);
    expect(tags.slice(atCut).length).toBeLessThan(50); // in flight at the cut, all sent before the item
    expect(tags).not.toContain(77);

    // Every public path searched while the item runs: raw sync bytes, /metrics, the public export.
    const metrics = await (await fetch(`${r.relay.url}/metrics`)).text();
    const exported = await (await fetch(`${r.relay.url}/api/${r.demo.tenant}/${r.demo.meeting}/export`)).text();
    await waitFor(() => raw.received().includes(Buffer.from('"nonPublic":true')), "the public marker reached the public socket");
    // The export carries envelopes as base64: searched as the bytes they decode to, and as its text.
    const wires = Buffer.concat([Buffer.from(exported), ...(JSON.parse(exported) as { envelopes: string[] }).envelopes.map((b) => Buffer.from(b, 'base64'))]);
    for (const [what, bytes] of [['raw public frames', raw.received()], ['/metrics', Buffer.from(metrics)], ['public export', wires]] as const) {
      expect(bytes.includes(Buffer.from(MARKER)), what).toBe(false);
      expect(bytes.includes(Buffer.from('"n9"')), what).toBe(false);
    }
    expect(wires.includes(Buffer.from('"nonPublic":true'))).toBe(true); // the search would see it: the bare marker is there

    // The public part resumes: packets sent from then on (tag 78) reach the public again.
    off();
    const on = speaker.replica.onChange(() => !speaker.replica.state.nonPublicPart && pub.setTag(78));
    await chair.replica.create('item.current', { item: 'top5' });
    await waitFor(() => tags.includes(78), 'the public picture back with the public item');
    on();
  }, 180_000);

  it('BEF-1 BEF-2 a confirmed conflicted member is cut from the SFU room for the item (no picture, no sound, rejoin refused) and comes back with the next item', async () => {
    const chair = await dev('m01');
    const member = await dev('m07');
    const chairSock = await r.socket(chair);
    const chairRx = await rtcReceiver(chairSock, 'subscribe');
    cleanups.push(() => chairRx.close());
    const pub = await rtcPublisher(() => r.socket(member), 7);
    const sock = pub.sock;
    cleanups.push(() => pub.close());
    await pub.connected();
    const rx = await rtcReceiver(sock, 'subscribe');
    cleanups.push(() => rx.close());
    await waitFor(() => { try { return chairRx.count(chairRx.mid('m07', 'video')) > 5; } catch { return false; } }, "the chair sees m07");
    await waitFor(() => { try { return rx.count(rx.mid('m05', 'video')) > 5; } catch { return false; } }, 'm07 sees the speaker');

    const seenMid = rx.mid('m05', 'video');
    const m07Mids = [chairRx.mid('m07', 'video'), chairRx.mid('m07', 'audio')] as const;
    await member.replica.create('conflict.declare', { person: 'm07', item: 'top4' });
    await waitFor(() => chair.replica.state.conflicts.some((c) => c.person === 'm07'), 'the chair has the declaration');
    const refused = await chair.replica.create('item.current', { item: 'top4' });
    await waitFor(() => chair.replica.state.rejected.some((x) => x.entry === refused.id), 'the call waits for the decision');
    await chair.replica.create('conflict.confirm', { person: 'm07', item: 'top4', confirmed: true });
    await chair.replica.create('item.current', { item: 'top4' });
    await waitFor(() => sock.closeCode() !== undefined, "m07's socket is closed");
    expect(sock.closeCode()).toBe(VIDEO_CLOSE.removed);
    expect(sock.got.some((x) => x.t === 'error' && x.message === 'you are excluded from this item for a conflict of interest')).toBe(true);
    await flat(() => rx.count(seenMid), "the speaker's picture at m07");
    await flat(() => chairRx.count(m07Mids[0]) + chairRx.count(m07Mids[1]), "m07's picture and sound at the chair");
    const again = await r.socket(member);
    await waitFor(() => again.closeCode() !== undefined, 'a rejoin during the item is refused');
    expect(again.closeCode()).toBe(VIDEO_CLOSE.removed);
    // Every device, the relay's fold included, shows since when.
    const m = await r.relay.video.meeting(r.demo.tenant, r.demo.meeting);
    await waitFor(() => member.replica.state.room.removed['m07']?.conflict === true, "m07's own device knows");
    expect(m.state.state.exclusions.filter((x) => x.to === null)).toMatchObject([{ person: 'm07', item: 'top4' }]);

    await chair.replica.create('item.current', { item: 'top5' });
    await waitFor(() => !m.state.state.room.removed['m07'], 'the exclusion ends with the item');
    const pub2 = await rtcPublisher(() => r.socket(member), 17);
    expect(pub2.sock.got[0]).toMatchObject({ t: 'ready', person: 'm07' });
    cleanups.push(() => pub2.close());
    await pub2.connected();
    await waitFor(() => { try { return chairRx.tag(chairRx.mid('m07', 'video')) === 17; } catch { return false; } }, 'the chair sees m07 again');
  }, 180_000);
});

/**
 * SEC-4: two municipalities on one relay. A device of tenant A can neither read nor write anything of
 * tenant B: not by logging in there, not by replaying B's envelopes through its own connection, and a
 * replica of A refuses B's envelopes even if a relay hands them over.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as envelope from '../../crypto/envelope.js';
import { encodeEnvelopes } from '../../core/wire.js';
import { makeDemo, seedDemo } from '../../relay/demo.js';
import { cleanup, demoRelay, demoSigner, device, online, rawClient, until } from '../helpers/relay.js';

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

describe('tenants are strictly separated', () => {
  it('SEC-4 a device of tenant A cannot log in to, read or write tenant B, through the relay or by replay', async () => {
    const { relay, demo: a, dataDir, wsUrl } = await demoRelay();
    const b = { ...makeDemo(), tenant: 'nachbarstadt' };
    await seedDemo(relay.store, b);
    stops.push(() => cleanup(dataDir), () => relay.close());

    // B's members write something non-public.
    const bChair = await device(b, 'm01', [wsUrl]);
    stops.push(() => bChair.client.stop());
    await online(bChair);
    await bChair.replica.create('attendance.in', { person: 'm01', place: 'onsite' });
    await bChair.replica.create('item.current', { item: 'top6' }, 'members');
    await until(async () => (await relay.store.all(b.tenant, b.meeting, ['members'])).length > 0, 'B stored');
    const bWires = (await relay.store.all(b.tenant, b.meeting, ['public', 'members'])).map((e) => e.wire);
    const aBefore = (await relay.store.all(a.tenant, a.meeting, ['public', 'members'])).length;

    // 1. A's device logs in to B: refused, no welcome, no envelope.
    const aSigner = await demoSigner(a, 'm02');
    const intoB = await rawClient(wsUrl, { tenant: b.tenant, meeting: b.meeting, login: aSigner });
    stops.push(() => intoB.close());
    expect(intoB.errors().map((e) => e.code)).toEqual(['auth']);
    expect(intoB.of('welcome')).toEqual([]);
    expect(intoB.envelopes).toEqual([]);

    // 2. Logged in to A, it replays B's envelopes: refused one by one, nothing stored anywhere.
    const inA = await rawClient(wsUrl, { tenant: a.tenant, meeting: a.meeting, login: aSigner });
    stops.push(() => inA.close());
    expect(inA.of('welcome')).toHaveLength(1);
    expect(await inA.sendAndWaitError(encodeEnvelopes(bWires.slice(0, 1)))).toBe('wrong-meeting');
    await inA.sendAndWaitError(encodeEnvelopes(bWires.slice(1, 2)));
    expect(new Set(inA.errors().map((e) => e.code))).toEqual(new Set(['wrong-meeting']));
    expect(await relay.store.all(a.tenant, a.meeting, ['public', 'members'])).toHaveLength(aBefore);

    // 3. A replica of A handed B's envelopes (by a relay that mixes them up) applies none of them.
    const aDevice = await device(a, 'm02', [wsUrl]);
    stops.push(() => aDevice.client.stop());
    await online(aDevice);
    await until(() => aDevice.replica.log.size > 0, 'A synced');
    expect([...aDevice.replica.log.all()].every((e) => e.tenant === a.tenant)).toBe(true); // A's sync brings nothing of B
    const r = await aDevice.replica.receive(bWires);
    expect(r.accepted).toEqual([]);
    expect(r.rejected).toHaveLength(bWires.length);
    expect(aDevice.replica.state.attendance['m01']).toBeUndefined();
    // And B's store holds nothing of A.
    expect((await relay.store.all(b.tenant, b.meeting, ['public', 'members'])).every((e) => envelope.decode(e.wire).tenant === b.tenant)).toBe(true);
  });
});

/**
 * core/checkpoint.ts in Node: a returning device checks only the signatures its own signed checkpoint does not
 * vouch for, and throws away a checkpoint that is forged, another device's, or no longer matches its store.
 * test/browser/checkpoint.test.ts does the same with the bytes in Chromium's IndexedDB.
 */
import { describe, expect, it } from 'vitest';
import * as checkpoint from '../../core/checkpoint.js';
import type { Replica } from '../../core/replica.js';
import { smallCouncil } from '../helpers/replicas.js';

async function meeting() {
  const c = await smallCouncil();
  const chair = await c.join('chair');
  const m1 = await c.join('m1');
  await chair.create('session.open', {});
  for (const p of ['chair', 'm1', 'm2'] as const) {
    const r = p === 'chair' ? chair : p === 'm1' ? m1 : await c.join('m2');
    await r.receive(chair.envelopes().map((e) => e.wire));
    c.time.advance(1000);
    await r.create('attendance.in', { person: p, place: 'remote' });
    await chair.receive(r.envelopes().map((e) => e.wire));
  }
  await m1.receive(chair.envelopes().map((e) => e.wire));
  const wires = () => m1.envelopes().map((e) => e.wire.slice());
  const fresh = () => c.replica('m1') as Promise<Replica>;
  return { c, chair, m1, wires, fresh, me: m1.deviceKey! };
}

describe('checkpoint', () => {
  it('SEC-1 a returning device verifies only the envelopes its checkpoint does not cover, to the same state', async () => {
    const { c, chair, m1, wires, fresh, me } = await meeting();
    const cp = await checkpoint.make(m1, c.devices['m1']!.signer, c.time.now());
    const back = await checkpoint.restore(fresh, wires(), JSON.parse(JSON.stringify(cp)), me);
    expect(back).toMatchObject({ verdict: 'used', checked: 0 });
    expect(back.replica.log.size).toBe(m1.log.size);
    c.time.advance(1000);
    await chair.create('item.current', { item: 'i1' });
    const later = [...wires(), ...chair.missingFor(m1.frontier()).map((e) => e.wire)];
    const again = await checkpoint.restore(fresh, later, cp, me);
    expect(again).toMatchObject({ verdict: 'used', checked: 1 });
    expect(again.replica.state.currentItem).toBe('i1');
  });

  it('SEC-1 a checkpoint with a changed byte, of another device or over an altered envelope is thrown away and all is verified anew', async () => {
    const { c, m1, wires, fresh, me } = await meeting();
    const all = m1.log.size;
    const cp = await checkpoint.make(m1, c.devices['m1']!.signer, c.time.now());
    const sig = cp.sig.replace(/^./, (x) => (x === '0' ? '1' : '0'));
    expect(await checkpoint.restore(fresh, wires(), { ...cp, sig }, me)).toMatchObject({ verdict: 'discarded', checked: all });
    expect(await checkpoint.restore(fresh, wires(), { ...cp, at: cp.at + 1 }, me)).toMatchObject({ verdict: 'discarded', checked: all });
    const m2 = await c.join('m2');
    await m2.receive(wires());
    const theirs = await checkpoint.make(m2, c.devices['m2']!.signer, c.time.now()); // valid, but not this device's
    expect(await checkpoint.restore(fresh, wires(), theirs, me)).toMatchObject({ verdict: 'discarded', checked: all });
    // One byte of a stored envelope changed (its payload): the chain no longer resolves, and its signature fails.
    const stored = wires();
    const i = stored.findIndex((w) => m1.envelopes().find((e) => e.wire.length === w.length && e.kind === 'attendance.in'));
    const w = stored[i]!;
    w[w.length - 70] = w[w.length - 70]! ^ 1;
    const tampered = await checkpoint.restore(fresh, stored, cp, me);
    expect(tampered).toMatchObject({ verdict: 'discarded', checked: all });
    expect(tampered.replica.integrity().invalid.map((x) => x.reason)).toContain('bad signature');
  });
});

/**
 * VOTE-3 end to end: every byte the relay stores and forwards during a secret vote is recorded (a
 * recording proxy in front of the real relay, plus the relay's own store). From those bytes, even with one
 * trustee's key share (t - 1 of the 2 needed), no ballot decrypts; the same attempt with two shares does
 * decrypt, so the test would notice ballots that were not real encryptions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, randomBytes, toHex } from '../../crypto/bytes.js';
import * as envelope from '../../crypto/envelope.js';
import { G, Point, pointFromHex, scalarHex } from '../../crypto/group.js';
import { decodeEntry } from '../../core/entries.js';
import { keyStep, myKeyShare, partialStep, secretBallot } from '../../core/duties.js';
import { evilRelay } from '../helpers/evil-relay.js';
import { cleanup, demoRelay, device, type NodeDevice, online, until } from '../helpers/relay.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** Lagrange coefficients at 0 for trustees {1, 2}: x = 2·x1 - x2. */
const combine2 = (x1: bigint, x2: bigint) => 2n * x1 - x2;

/** What a ciphertext (a, b) decrypts to under the key guess x: 0, 1, or neither. */
function decryptWith(x: bigint, c: { a: string; b: string }): 0 | 1 | null {
  const a = pointFromHex(c.a, 'a');
  const xa = a.multiply(((x % Point.Fn.ORDER) + Point.Fn.ORDER) % Point.Fn.ORDER);
  const m = pointFromHex(c.b, 'b').subtract(xa);
  return m.is0() ? 0 : m.equals(G) ? 1 : null;
}

describe('the relay learns nothing of a secret ballot', () => {
  it('VOTE-3 recorded relay bytes hold no choice; one trustee share decrypts nothing, two decrypt exactly the cast ballots', async () => {
    const { relay, demo, dataDir, wsUrl } = await demoRelay();
    const seen: Uint8Array[] = [];
    const proxy = await evilRelay(wsUrl, {
      down: (wires) => (seen.push(...wires), wires),
      up: (wires) => (seen.push(...wires), { forward: wires }),
    });
    stops.push(() => cleanup(dataDir), () => relay.close(), () => proxy.close());
    const people = ['m01', 'm02', 'm03', 'm04', 'm05', 'm06', 'm07'];
    const d: Record<string, NodeDevice> = {};
    for (const p of people) d[p] = await device(demo, p, [proxy.url]);
    stops.push(() => Object.values(d).forEach((x) => x.client.stop()));
    await Promise.all(Object.values(d).map(online));
    const ref = `${demo.tenant}/${demo.meeting}`;
    const chair = d['m01']!.replica;
    const settle = async (cond: () => boolean, what: string) => until(cond, what, 15_000);
    const everyone = (f: (n: NodeDevice) => boolean) => Object.values(d).every(f);

    for (const p of people) await d[p]!.replica.create('attendance.in', { person: p, place: 'remote' });
    await chair.create('session.open', {});
    await chair.create('key.setup', { key: 'k1', trustees: ['m01', 'm02', 'm03'], threshold: 2 });
    const seeds = Object.fromEntries(['m01', 'm02', 'm03'].map((p) => [p, randomBytes(32)]));
    // Trustee devices run the key generation as the app does.
    for (let round = 0; round < 12; round++) {
      await settle(() => everyone((n) => n.replica.state.keys.length === 1), 'key.setup everywhere');
      for (const p of ['m01', 'm02', 'm03']) {
        const r = d[p]!.replica;
        const step = keyStep(ref, r.state.keys[0]!, p, r.deviceKey!, seeds[p]!, [...r.log.ordered()]);
        if (step) await r.create(step.kind, step.payload as never);
      }
      await new Promise((ok) => setTimeout(ok, 150));
      if (everyone((n) => n.replica.state.keys[0]!.status === 'ready')) break;
    }
    await settle(() => everyone((n) => n.replica.state.keys[0]!.status === 'ready'), 'key ready everywhere');

    await chair.create('vote.open', { vote: 'w1', item: null, title: 'Wahl', mode: 'secret', key: 'k1', kind: 'election', candidates: [{ id: 'a', name: 'Anna' }, { id: 'b', name: 'Ben' }, { id: 'c', name: 'Cem' }] });
    await settle(() => everyone((n) => n.replica.state.votes.length === 1), 'vote open everywhere');
    const choices: Record<string, string> = { m01: 'a', m02: 'b', m03: 'a', m04: 'c', m05: 'no', m06: 'a', m07: 'abstain' };
    for (const [p, choice] of Object.entries(choices)) {
      const r = d[p]!.replica;
      const step = secretBallot(ref, r.state, r.state.votes[0]!, choice, fromHex(r.deviceKey!, 32));
      await r.create(step.kind, step.payload as never);
    }
    await settle(() => chair.state.votes[0]!.received === 7, 'ballots at the chair');
    await chair.create('vote.close', { vote: 'w1' });
    await settle(() => everyone((n) => n.replica.state.votes[0]!.decryption === 'waiting'), 'closed everywhere');
    for (const p of ['m02', 'm03']) {
      const r = d[p]!.replica;
      const step = partialStep(ref, r.state, r.state.votes[0]!, p, r.deviceKey!, seeds[p]!, [...r.log.ordered()])!;
      await r.create(step.kind, step.payload as never);
    }
    await settle(() => everyone((n) => n.replica.state.votes[0]!.counts !== null), 'result everywhere');
    expect(chair.state.votes[0]!.counts).toEqual({ a: 3, b: 1, c: 1, no: 1, abstain: 1 });

    // Everything the relay saw: what passed the proxy, and what it stored.
    const stored = (await relay.store.all(demo.tenant, demo.meeting, ['public', 'members'])).map((e) => e.wire);
    const bytes = [...seen, ...stored];
    const envs = bytes.map((w) => envelope.decode(w));
    const ballots = envs.filter((e) => e.kind === 'vote.ballot');
    expect(new Set(ballots.map((e) => e.id)).size).toBe(7);
    // No choice appears in clear, and no trustee secret (seed or key share) appears in any byte.
    const shares = Object.fromEntries(['m01', 'm02', 'm03'].map((p) => [p, myKeyShare(ref, chair.state.keys[0]!, p, seeds[p]!, [...d[p]!.replica.log.ordered()])] as const));
    const hexAll = bytes.map((w) => toHex(w)).join(' ');
    for (const p of ['m01', 'm02', 'm03']) {
      expect(hexAll).not.toContain(toHex(seeds[p]!));
      expect(hexAll).not.toContain(scalarHex(shares[p]!));
    }
    for (const e of ballots) {
      const p = decodeEntry(e.kind, e.payload) as { kind: 'vote.ballot'; payload: { cts: { a: string; b: string }[] } };
      // Every value in a ballot is a group element or scalar (64 hex digits), except the vote id.
      const values = [...JSON.stringify(p.payload).matchAll(/:"([^"]*)"/g)].map((m) => m[1]!);
      expect(values.filter((v) => !/^[0-9a-f]{64}$/.test(v))).toEqual(['w1']);
      // With one share (t - 1), every ciphertext stays undecryptable.
      for (const x of [shares['m01']!, shares['m02']!, shares['m03']!]) for (const c of p.payload.cts) expect(decryptWith(x, c)).toBeNull();
    }
    // With two shares (t), each ballot decrypts to exactly what its member cast: the ballots were real encryptions.
    const x = combine2(shares['m01']!, shares['m02']!);
    const options = ['a', 'b', 'c', 'no'];
    const recovered = ballots.map((e) => {
      const p = decodeEntry(e.kind, e.payload) as { kind: 'vote.ballot'; payload: { cts: { a: string; b: string }[] } };
      const marks = p.payload.cts.map((c) => decryptWith(x, c));
      const person = chair.directory.get(toHex(e.author))!.person;
      return [person, marks.indexOf(1) === -1 ? 'abstain' : options[marks.indexOf(1)]];
    });
    expect(Object.fromEntries(recovered)).toEqual(choices);
    // What the trustees published are decryptions of the sums only: one share per option, no more.
    for (const e of envs.filter((x) => x.kind === 'vote.partial')) expect((decodeEntry(e.kind, e.payload).payload as { shares: string[] }).shares).toHaveLength(4);
  }, 60_000);
});



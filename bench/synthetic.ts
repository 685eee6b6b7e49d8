/**
 * A synthetic meeting log for benchmarks: a council of `members` devices holding vote after vote
 * (open, one ballot per member, close), each envelope depending on the one before, as a busy real session
 * would. Signed with noble directly, so generation does not depend on the backend being measured.
 */
import { toBase64, toHex } from '../crypto/bytes.js';
import { canonicalJson } from '../crypto/canonical.js';
import { type Cert, issue, type Role } from '../crypto/cert.js';
import { type Signer, signerFromSeed, useBackend } from '../crypto/ed25519.js';
import * as envelope from '../crypto/envelope.js';
import type { Envelope } from '../crypto/envelope.js';
import { utf8 } from '../crypto/bytes.js';

export interface SyntheticLog {
  tenant: string;
  meeting: string;
  tenantKey: string;
  certs: Cert[];
  envelopes: string[]; // base64 wire, predecessors first
}

export async function syntheticLog(count: number, members = 15): Promise<SyntheticLog> {
  useBackend('noble');
  const tenant = 'bench';
  const meeting = 'm1';
  const admin = await signerFromSeed(new Uint8Array(32).fill(250));
  const devices: { person: string; signer: Signer; roles: Role[] }[] = [];
  devices.push({ person: 'admin', signer: await signerFromSeed(new Uint8Array(32).fill(251)), roles: ['admin'] });
  for (let i = 0; i < members; i++)
    devices.push({ person: `p${i}`, signer: await signerFromSeed(new Uint8Array(32).fill(i + 1)), roles: i === 0 ? ['chair', 'member'] : ['member'] });
  const certs: Cert[] = [];
  for (const d of devices)
    certs.push(await issue({ v: 1, tenant, person: d.person, name: d.person, device: toHex(d.signer.publicKey), roles: d.roles, bodies: ['b'], notBefore: 0, notAfter: 4e12 }, admin));

  const chains = new Map<Signer, Envelope>();
  const out: Envelope[] = [];
  let wall = 1_795_000_000_000;
  async function add(signer: Signer, kind: string, payload: unknown): Promise<void> {
    const last = chains.get(signer);
    const head = out[out.length - 1];
    const deps = head && head !== last ? [head.hash] : [];
    const e = await envelope.sign(
      { tenant, meeting, doc: 'public', author: signer.publicKey, seq: (last?.seq ?? 0) + 1, prev: last?.hash ?? envelope.ZERO_HASH, deps, hlc: { wall: wall++, counter: 0 }, kind, payload: utf8(canonicalJson(payload)) },
      signer,
    );
    chains.set(signer, e);
    out.push(e);
  }
  const chair = devices[1]!.signer;
  await add(devices[0]!.signer, 'meeting.setup', {
    body: { id: 'b', name: 'Bench', type: 'rat', statutoryMembers: members },
    factions: [{ id: 'f', name: 'F' }],
    persons: devices.slice(1).map((d) => ({ id: d.person, name: d.person, faction: 'f', voting: true })),
    meeting: { id: meeting, title: 'Bench', start: wall, place: 'Saal' },
  });
  for (const d of devices.slice(1)) await add(d.signer, 'attendance.in', { person: d.person, place: 'remote' });
  await add(chair, 'session.open', {});
  for (let round = 0; out.length < count; round++) {
    const vote = `v${round}`;
    await add(chair, 'vote.open', { vote, item: null, title: `Vote ${round}`, mode: 'open' });
    for (const [i, d] of devices.slice(1).entries()) {
      if (out.length >= count - 1) break;
      await add(d.signer, 'vote.cast', { vote, choice: (['yes', 'no', 'abstain'] as const)[(i + round) % 3]! });
    }
    await add(chair, 'vote.close', { vote });
  }
  useBackend('auto');
  return { tenant, meeting, tenantKey: toHex(admin.publicKey), certs, envelopes: out.slice(0, count).map((e) => toBase64(e.wire)) };
}

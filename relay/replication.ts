/**
 * DIS-5: a backup relay at another site takes over from the primary (docs/PROTOCOL.md, "Backup relay").
 * The primary serves, to a bearer of the replication token only, what a backup needs to accept the same
 * devices with the same second factor: tenant keys, every certificate version (revocations included),
 * TOTP enrolments (sealed: the backup holds the same secrets.key), enrolment states and open login
 * sessions (token hashes). The envelope stores converge by the sync protocol's anti-entropy: the backup
 * sends its frontier, gets what it lacks, and pushes what the primary lacks; each side validates every
 * envelope as it would a device's. Frames are those of the sync protocol (core/wire.ts), each preceded by
 * its length (varuint), so the exchange is plain HTTP.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { Decoder, Encoder } from '../crypto/codec.js';
import type { Cert } from '../crypto/cert.js';
import { DOCS } from '../core/entries.js';
import { batches, decodeClientFrame, encodeControl, encodeEnvelopes, type Frontier } from '../core/wire.js';
import type { Enrolments } from './enrolment.js';
import type { Hub } from './hub.js';
import type { Store } from './store.js';
import type { Totp } from './totp.js';

export const REPLICATION_PATH = '/api/replication';
const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Envelopes per answer: a meeting larger than this converges over several rounds. */
const PAGE = 4096;

export interface IdentitySnapshot {
  tenants: { id: string; key: string; meetings: string[] }[];
  certs: Cert[];
  totp: Awaited<ReturnType<Totp['rows']>>;
  enrolments: Awaited<ReturnType<Enrolments['rows']>>;
}

export interface ReplicationDeps {
  store: Store;
  hub: Hub;
  totp: Totp;
  enrolments: Enrolments;
  log: (m: string) => void;
}

/** Frames of the sync protocol, each as varuint length + bytes. */
export function encodeFrames(frames: Uint8Array[]): Uint8Array {
  const e = new Encoder();
  for (const f of frames) e.bytes(f);
  return e.finish();
}

export function decodeFrames(body: Uint8Array): { frontier: Frontier | undefined; wires: Uint8Array[] } {
  const d = new Decoder(body);
  let frontier: Frontier | undefined;
  const wires: Uint8Array[] = [];
  while (!d.done) {
    const f = decodeClientFrame(d.bytes(8 * 1024 * 1024));
    if (f.type === 'envelopes') wires.push(...f.wires);
    else if (f.message.t === 'sync') frontier = f.message.frontier as Frontier;
  }
  return { frontier, wires };
}

const envelopeFrames = (wires: Uint8Array[]): Uint8Array[] => batches(wires).map((run) => encodeEnvelopes(run));

/** The primary's side: routes under /api/replication, for the bearer of `token` only. */
export function replicationRoutes(d: ReplicationDeps, token: string): Hono {
  if (token.length < 16) throw new RangeError('replication token: at least 16 characters');
  const app = new Hono();
  app.use(`${REPLICATION_PATH}/*`, async (c, next) => {
    if (c.req.header('authorization') !== `Bearer ${token}`) throw new HTTPException(403, { message: 'replication needs the replication token' });
    await next();
  });
  app.get(`${REPLICATION_PATH}/identity`, async (c) => {
    const ids = await d.store.tenants();
    const snapshot: IdentitySnapshot = {
      tenants: await Promise.all(ids.map(async (id) => ({ id, key: (await d.store.tenantKey(id))!, meetings: await d.store.meetings(id) }))),
      certs: (await Promise.all(ids.map((t) => d.store.certs(t)))).flat(),
      totp: await d.totp.rows(),
      enrolments: await d.enrolments.rows(),
    };
    return c.json(snapshot);
  });
  const meetingOf = async (c: { req: { param: (k: string) => string } }) => {
    const tenant = c.req.param('tenant');
    const meeting = c.req.param('meeting');
    if (!NAME.test(tenant) || !NAME.test(meeting) || !(await d.store.tenantKey(tenant))) throw new HTTPException(404, { message: 'unknown tenant' });
    return { tenant, meeting };
  };
  // What the caller lacks (after its frontier), our frontier first.
  app.post(`${REPLICATION_PATH}/:tenant/:meeting/sync`, async (c) => {
    const { tenant, meeting } = await meetingOf(c);
    const { frontier } = decodeFrames(new Uint8Array(await c.req.arrayBuffer()));
    const lacking = (await d.store.missingFor(tenant, meeting, DOCS, frontier ?? {})).slice(0, PAGE);
    const ours = encodeControl({ t: 'sync', frontier: (await d.store.frontier(tenant, meeting, DOCS)) as never });
    return c.body(encodeFrames([ours, ...envelopeFrames(lacking.map((e) => e.wire))]) as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/octet-stream' });
  });
  // What we lack, from the caller: validated like a device's envelopes, then fanned out to who is connected here.
  app.post(`${REPLICATION_PATH}/:tenant/:meeting/push`, async (c) => {
    const { tenant, meeting } = await meetingOf(c);
    const { wires } = decodeFrames(new Uint8Array(await c.req.arrayBuffer()));
    const r = await d.hub.ingest(tenant, meeting, wires, DOCS);
    return c.json({ stored: r.acked.length, refused: r.errors });
  });
  return app;
}

/** Adds certificate versions this relay lacks; connected devices hear of them, revoked ones are cut off. */
async function mergeCerts(d: ReplicationDeps, certs: Cert[]): Promise<void> {
  const added: Cert[] = [];
  for (const c of certs) {
    if ((await d.store.certHistory(c.body.tenant, c.body.device)).some((x) => x.sig === c.sig)) continue;
    await d.store.putCert(c);
    added.push(c);
  }
  for (const tenant of new Set(added.map((c) => c.body.tenant))) {
    const mine = added.filter((c) => c.body.tenant === tenant);
    d.hub.pushCerts(tenant, mine);
    for (const c of mine) if (c.body.revoked !== undefined) d.hub.dropDevice(tenant, c.body.device);
  }
}

export interface Replicator {
  /** One round begun after this call: identity, then every meeting both ways. Resolves with the envelopes moved each way. */
  round(): Promise<{ pulled: number; pushed: number }>;
  stop(): void;
}

/** The backup's side: every `intervalMs` a round against the primary at `from` (its http(s) origin). */
export function replicateFrom(d: ReplicationDeps, from: string, token: string, intervalMs = 5000): Replicator {
  const base = from.replace(/\/$/, '');
  const auth = { authorization: `Bearer ${token}` };
  let stopped = false;
  let running: Promise<{ pulled: number; pushed: number }> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function meeting(tenant: string, m: string): Promise<{ pulled: number; pushed: number }> {
    const path = `${base}${REPLICATION_PATH}/${tenant}/${m}`;
    const mine = encodeControl({ t: 'sync', frontier: (await d.store.frontier(tenant, m, DOCS)) as never });
    const res = await fetch(`${path}/sync`, { method: 'POST', headers: auth, body: encodeFrames([mine]) as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`sync ${tenant}/${m}: HTTP ${res.status}`);
    const { frontier, wires } = decodeFrames(new Uint8Array(await res.arrayBuffer()));
    const got = await d.hub.ingest(tenant, m, wires, DOCS);
    for (const x of got.errors) d.log(`replication: refused ${x.id?.slice(0, 16) ?? ''} from ${base}: ${x.code} ${x.message}`);
    const lacking = (await d.store.missingFor(tenant, m, DOCS, frontier ?? {})).slice(0, PAGE);
    if (lacking.length > 0) {
      const push = await fetch(`${path}/push`, { method: 'POST', headers: auth, body: encodeFrames(envelopeFrames(lacking.map((e) => e.wire))) as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(30_000) });
      if (!push.ok) throw new Error(`push ${tenant}/${m}: HTTP ${push.status}`);
    }
    return { pulled: got.acked.length, pushed: lacking.length };
  }

  async function round(): Promise<{ pulled: number; pushed: number }> {
    const res = await fetch(`${base}${REPLICATION_PATH}/identity`, { headers: auth, signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`identity: HTTP ${res.status}`);
    const snap = (await res.json()) as IdentitySnapshot;
    for (const t of snap.tenants) {
      const held = await d.store.tenantKey(t.id);
      if (held && held !== t.key) throw new Error(`tenant ${t.id}: the primary names another tenant key than this relay holds`);
      if (!held) await d.store.putTenant(t.id, t.key);
    }
    await mergeCerts(d, snap.certs);
    for (const r of snap.totp) await d.totp.merge(r);
    await d.enrolments.merge(snap.enrolments);
    let pulled = 0;
    let pushed = 0;
    for (const t of snap.tenants)
      for (const m of new Set([...t.meetings, ...(await d.store.meetings(t.id))])) {
        const x = await meeting(t.id, m);
        pulled += x.pulled;
        pushed += x.pushed;
      }
    return { pulled, pushed };
  }

  const once = () => (running ??= round().finally(() => (running = undefined)));
  const loop = () => {
    if (stopped) return;
    once()
      .catch((e: Error) => d.log(`replication from ${base}: ${e.message}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  timer = setTimeout(loop, 0);
  return {
    // A round that begins now: one under way may have read the primary before what the caller waits for.
    round: () => (running ?? Promise.resolve()).catch(() => {}).then(once),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * Relay test helpers: a real relay on 127.0.0.1 over a temporary data folder with the demo council seeded,
 * Node devices (replica + SyncClient over `ws`) that log in as any demo person, and a raw protocol client
 * that speaks frames by hand and records every answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { fromHex, toHex } from '../../crypto/bytes.js';
import { type Signer, signerFromSeed } from '../../crypto/ed25519.js';
import { decodeServerFrame, encodeControl, loginInput, type ServerMessage } from '../../core/wire.js';
import type { DocName } from '../../core/entries.js';
import { Replica } from '../../core/replica.js';
import { watchKeys } from '../../core/key-duty.js';
import { dhFromSeed } from '../../crypto/seal.js';
import { type Demo, demoMasterData, makeDemo, seedDemo } from '../../relay/demo.js';
import type { HubOptions } from '../../relay/hub.js';
import { type Relay, type RelayOptions, startRelay } from '../../relay/server.js';
import { SyncClient, type SyncStatus } from '../../web/sync/client.js';

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'ratsraum-'));

/** `sealed`: the demo meeting's members' document is end-to-end encrypted (core/sealed.ts). */
export async function demoRelay(opts: { dataDir?: string; port?: number; demo?: Demo; staticDir?: string; hub?: HubOptions; heartbeatMs?: number; relay?: Partial<RelayOptions>; sealed?: boolean } = {}) {
  const dataDir = opts.dataDir ?? tempDir();
  const relay = await startRelay({ dataDir, port: opts.port ?? 0, quiet: true, demo: true, staticDir: opts.staticDir, hub: opts.hub, heartbeatMs: opts.heartbeatMs, ...opts.relay });
  const demo = opts.demo ?? makeDemo();
  if (!opts.demo) {
    await seedDemo(relay.store, demo, undefined, { sealed: opts.sealed });
    await relay.identity.directory.put(demo.tenant, demoMasterData(demo));
  }
  return { relay, demo, dataDir, wsUrl: `${relay.url.replace('http', 'ws')}/sync` };
}

export interface NodeDevice {
  person: string;
  replica: Replica;
  client: SyncClient;
  statuses: SyncStatus[];
  errors: string[];
}

/** A demo person's device (null: the public) connected to the given relay URLs. */
export async function device(demo: Demo, person: string | null, urls: string[], opts: { beaconMs?: number; graceMs?: number; pingMs?: number; returnMs?: number; relayForwardMs?: number; session?: () => string | undefined } = {}): Promise<NodeDevice> {
  const d = person ? demo.devices.find((x) => x.person === person)! : undefined;
  const signer = d ? await signerFromSeed(fromHex(d.seed, 32)) : undefined;
  const tenantKey = (await signerFromSeed(fromHex(demo.tenantSeed, 32))).publicKey;
  const docs: DocName[] = signer ? ['public', 'members'] : ['public'];
  const dh = d ? dhFromSeed(fromHex(d.seed, 32)) : undefined;
  const replica = new Replica({ tenant: demo.tenant, meeting: demo.meeting, tenantKey, docs, signer, dh, graceMs: opts.graceMs });
  const statuses: SyncStatus[] = [];
  const errors: string[] = [];
  const auth = signer ? { tenant: demo.tenant, meeting: demo.meeting, signer, session: opts.session } : { tenant: demo.tenant, meeting: demo.meeting, public: true as const };
  const client = new SyncClient({
    urls,
    replica,
    auth,
    WebSocket: WebSocket as never,
    beaconMs: opts.beaconMs ?? 200,
    pingMs: opts.pingMs,
    returnMs: opts.returnMs,
    relayForwardMs: opts.relayForwardMs,
    onStatus: (s) => statuses.push(s),
    onError: (code, message) => errors.push(`${code}: ${message}`),
  });
  client.start();
  // Sealed meetings: the device makes and passes on content keys by itself (core/key-duty.ts).
  if (signer) watchKeys(replica, (e) => errors.push(`keys: ${e.message}`));
  return { person: person ?? 'public', replica, client, statuses, errors };
}

export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const online = (d: NodeDevice) => until(() => d.client.status === 'online', `${d.person} online`);

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

export const demoSigner = (demo: Demo, person: string): Promise<Signer> => signerFromSeed(fromHex(demo.devices.find((d) => d.person === person)!.seed, 32));

type Error_ = Extract<ServerMessage, { t: 'error' }>;

/** A hand-driven protocol connection: logs in as `login`, or as the public, or not at all. */
export async function rawClient(wsUrl: string, opts: { tenant: string; meeting: string; login?: Signer; public?: boolean; access?: string }) {
  const ws = new WebSocket(wsUrl);
  const got: ServerMessage[] = [];
  const envelopes: Uint8Array[][] = [];
  let closed: { code: number } | undefined;
  ws.on('close', (code) => (closed = { code }));
  ws.on('message', (data: Buffer) => {
    const f = decodeServerFrame(new Uint8Array(data));
    if (f.type === 'control') got.push(f.message);
    else envelopes.push(f.wires);
  });
  await new Promise((ok, fail) => {
    ws.once('open', ok);
    ws.once('error', fail);
  });
  await until(() => got.some((m) => m.t === 'challenge'), 'challenge');
  const challenge = got.find((m) => m.t === 'challenge') as Extract<ServerMessage, { t: 'challenge' }>;
  if (opts.login) {
    const sig = await opts.login.sign(loginInput(challenge.nonce, opts.tenant, opts.meeting, challenge.relay));
    ws.send(encodeControl({ t: 'login', tenant: opts.tenant, meeting: opts.meeting, device: toHex(opts.login.publicKey), sig: toHex(sig) }));
    await until(() => got.some((m) => m.t === 'welcome' || m.t === 'error'), 'login answer');
  } else if (opts.public) {
    ws.send(encodeControl({ t: 'public', tenant: opts.tenant, meeting: opts.meeting, ...(opts.access ? { access: opts.access } : {}) }));
    await until(() => got.some((m) => m.t === 'welcome' || m.t === 'error'), 'welcome');
  }
  const errors = () => got.filter((m): m is Error_ => m.t === 'error');
  const of = <T extends ServerMessage['t']>(t: T) => got.filter((m): m is Extract<ServerMessage, { t: T }> => m.t === t);
  return {
    ws,
    got,
    envelopes,
    challenge,
    errors,
    of,
    isClosed: () => closed !== undefined,
    closeCode: () => closed?.code,
    /** Send a frame and wait for the next error answer (or the connection closing); returns its code. */
    async sendAndWaitError(data: Uint8Array | string): Promise<string | undefined> {
      const before = errors().length;
      ws.send(data);
      await until(() => errors().length > before || closed !== undefined, 'an error answer');
      return errors()[before]?.code;
    },
    /** Send a frame and wait until `cond` holds. */
    async sendAndWait(data: Uint8Array, cond: () => boolean, what: string): Promise<void> {
      ws.send(data);
      await until(cond, what);
    },
    close: () => ws.close(),
  };
}

export type { Relay };

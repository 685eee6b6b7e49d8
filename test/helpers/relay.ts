/**
 * Relay test helpers: a real relay on 127.0.0.1 over a temporary data folder with the demo council seeded,
 * and Node devices (replica + SyncClient over `ws`) that log in as any demo person.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { fromHex } from '../../crypto/bytes.js';
import { signerFromSeed } from '../../crypto/ed25519.js';
import type { DocName } from '../../core/entries.js';
import { Replica } from '../../core/replica.js';
import { type Demo, makeDemo, seedDemo } from '../../relay/demo.js';
import { type Relay, startRelay } from '../../relay/server.js';
import { SyncClient, type SyncStatus } from '../../web/sync/client.js';

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'ratsraum-'));

export async function demoRelay(opts: { dataDir?: string; port?: number; demo?: Demo; staticDir?: string } = {}) {
  const dataDir = opts.dataDir ?? tempDir();
  const relay = await startRelay({ dataDir, port: opts.port ?? 0, quiet: true, staticDir: opts.staticDir });
  const demo = opts.demo ?? makeDemo();
  if (!opts.demo) await seedDemo(relay.store, demo);
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
export async function device(demo: Demo, person: string | null, urls: string[], opts: { beaconMs?: number; graceMs?: number } = {}): Promise<NodeDevice> {
  const d = person ? demo.devices.find((x) => x.person === person)! : undefined;
  const signer = d ? await signerFromSeed(fromHex(d.seed, 32)) : undefined;
  const tenantKey = (await signerFromSeed(fromHex(demo.tenantSeed, 32))).publicKey;
  const docs: DocName[] = signer ? ['public', 'members'] : ['public'];
  const replica = new Replica({ tenant: demo.tenant, meeting: demo.meeting, tenantKey, docs, signer, graceMs: opts.graceMs });
  const statuses: SyncStatus[] = [];
  const errors: string[] = [];
  const auth = signer ? { tenant: demo.tenant, meeting: demo.meeting, signer } : { tenant: demo.tenant, meeting: demo.meeting, public: true as const };
  const client = new SyncClient({
    urls,
    replica,
    auth,
    WebSocket: WebSocket as never,
    beaconMs: opts.beaconMs ?? 200,
    onStatus: (s) => statuses.push(s),
    onError: (code, message) => errors.push(`${code}: ${message}`),
  });
  client.start();
  return { person: person ?? 'public', replica, client, statuses, errors };
}

export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const online = (d: NodeDevice) => until(() => d.client.status === 'online', `${d.person} online`);

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

export type { Relay };

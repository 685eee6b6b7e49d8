/**
 * The Node adapter: the one place with node: imports and serve(). Starts the Hono app and the
 * WebSocket endpoint /sync on one port, over the SQLite store in a data folder.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Server } from 'node:http';
import { type AppDeps, createApp } from './app.js';
import { handbookTexts, overridePlaceholders } from './handbook.js';
import { TenantSettings } from './settings.js';
import { Hub, type HubOptions } from './hub.js';
import { syncEndpoint } from './sync/endpoint.js';
import { Metrics } from './metrics.js';
import { Monitor, type Thresholds } from './monitor.js';
import type { Store } from './store.js';
import { openIdentityDatabases, openStore } from './store-open.js';
import { AuditLog } from './audit-log.js';
import { Enrolments } from './enrolment.js';
import { identityRoutes, type IdentityDeps } from './identity-routes.js';
import { Invitations, type SmtpConfig } from './invitations.js';
import { MasterData } from './master-data.js';
import { Totp } from './totp.js';
import { Retention, type RetentionClock } from './retention.js';
import { ADMIN_KINDS } from '../core/entries.js';
import { fingerprint } from '../crypto/hash.js';
import { toHex } from '../crypto/bytes.js';
import { createMesh, MESH_SOCKET_PATH, type Mesh, meshBackend } from './video/mesh.js';
import { startTurn, type Turn } from './video/turn.js';
import { VideoService, type VideoOptions } from './video/service.js';
import { VIDEO_PATH, videoEndpoint } from './video/endpoint.js';
import { Registrations } from './public-registrations.js';
import { Questions } from './questions.js';
import { publicRoutes } from './public-routes.js';
import { replicateFrom, replicationRoutes, type Replicator } from './replication.js';
import type { Bus } from './bus.js';
import { redisBus } from './bus-redis.js';

export interface RelayOptions {
  dataDir: string;
  /** The session log's store: SQLite in `dataDir` (default) or a `postgres://` URL (relay/store-open.ts). */
  store?: string;
  port?: number;
  host?: string;
  staticDir?: string;
  relayId?: string;
  backupRelays?: string[];
  quiet?: boolean;
  /** Login timeout and rate limit (tests shorten them). */
  hub?: HubOptions;
  /** WebSocket ping interval: a connection that misses one pong is dropped (ms). */
  heartbeatMs?: number;
  /** Where invitation mails go out; without it the admin cannot invite. */
  smtp?: SmtpConfig;
  /** Base URL of invitation links (default: the origin the admin uses). */
  publicUrl?: string;
  /** Enrolment and login attempts per client address (the benchmark raises it). */
  identityRate?: { burst: number; perSecond: number };
  sessionTtlMs?: number;
  /** Reverse proxies (addresses) whose X-Forwarded-For names the client, for per-address limits. */
  trustedProxies?: string[];
  /** PUB-1, PUB-4: registrations and questions per client address (tests raise it). */
  publicRate?: { burst: number; perSecond: number };
  /** Anonymous export and handbook requests per client address (the benchmark and tests set it). */
  anonymousRate?: { burst: number; perSecond: number };
  /** Bearer token for /metrics from elsewhere than loopback (`--metrics-token`, RATSRAUM_METRICS_TOKEN). */
  metricsToken?: string;
  /** AV-2: operators notified by mail (over `smtp`) when a threshold is crossed (`--ops-mail`, RATSRAUM_OPS_MAIL). */
  opsMail?: string[];
  /** AV-2: thresholds of relay/monitor.ts (defaults there) and how often they are checked. */
  monitor?: Partial<Thresholds> & { everyMs?: number };
  /** The demo council runs here: only then may a device without a second factor (a pre-provisioned demo device) sync. */
  demo?: boolean;
  /** Video (docs/PROTOCOL.md, "Video"): with it the relay starts its own coturn (not with `turn: false`); `turn.ip` defaults to RATSRAUM_TURN_IP, RATSRAUM_ICE_IP, else `host`; `turn.publicHost` to RATSRAUM_TURN_HOST. */
  video?: { turn?: false | { ip?: string; port?: number; publicHost?: string } } & VideoOptions;
  /**
   * DIS-5 (relay/replication.ts): `token` lets a backup relay replicate from this one; `from` (the primary's
   * http(s) origin) makes this relay such a backup, pulling every `intervalMs` (default 5 s).
   */
  replication?: { token?: string; from?: string; intervalMs?: number };
  /** DS-2: how often the retention run deletes what is past its period (default 10 minutes); tests inject the clock. */
  retention?: { intervalMs?: number; clock?: RetentionClock };
  /** Several relays behind one address (docs/ops/data-centre.md): `redis://host:port` (`--bus`, RATSRAUM_BUS), or a bus of this process (tests). */
  bus?: string | Bus;
}

/** The identity side of the relay: invitations, second factors, enrolments and sessions, audit log, master data. */
export interface Identity {
  invitations: Invitations;
  totp: Totp;
  enrolments: Enrolments;
  audit: AuditLog;
  directory: MasterData;
  settings: TenantSettings;
  /** PUB-1, PUB-4: the public's registrations and the residents' questions. */
  registrations: Registrations;
  questions: Questions;
}

export interface Relay {
  url: string;
  port: number;
  store: Store;
  hub: Hub;
  identity: Identity;
  /** The mesh fallback's PeerJS signalling and our own coturn (undefined where turnserver is missing). */
  mesh: Mesh;
  turn: Turn | undefined;
  /** The SFU side (relay/video/service.ts): `status()` gives mode and Janus' pid (tests kill it). */
  video: VideoService;
  /** DS-2 (relay/retention.ts): `run()` deletes what is past its period now. */
  retention: Retention;
  /** AV-2 (relay/monitor.ts): thresholds, what /health calls degraded, operators' notices. */
  monitor: Monitor;
  /** DIS-5: on a backup relay, the replication from the primary (`round()` runs one now). */
  replicator: Replicator | undefined;
  close(): Promise<void>;
}

/** `<data>/handbook/values.json`: the values a tenant without settings of its own gets. */
const fileValues = (dataDir: string) => (): Record<string, string> => {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'handbook', 'values.json'), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
};

export async function startRelay(o: RelayOptions): Promise<Relay> {
  mkdirSync(o.dataDir, { recursive: true });
  const store = await openStore(o.dataDir, o.store);
  const metrics = new Metrics();
  const log = o.quiet ? () => {} : (m: string) => console.error(m);
  // Identity and directory where the session log is: files in the data folder, or the data centre's PostgreSQL.
  const dbs = await openIdentityDatabases(o.dataDir, o.store);
  const relayKnows = async (tenant: string): Promise<Record<string, string>> =>
    Object.fromEntries(Object.entries({ municipality: await identity.invitations.tenantName(tenant), sender: o.smtp?.from, address: o.publicUrl }).filter((e): e is [string, string] => !!e[1]));
  const identity: Identity = {
    invitations: new Invitations(dbs.identity),
    totp: await Totp.open(dbs.identity, join(o.dataDir, 'secrets.key')),
    enrolments: new Enrolments(dbs.identity),
    audit: new AuditLog(dbs.identity),
    directory: new MasterData(dbs.directory, store, o.dataDir),
    // Below the tenant's own settings: values.json, below that what the relay itself knows (name at creation, mail sender, address).
    settings: new TenantSettings(dbs.identity, async (tenant) => ({ ...(await relayKnows(tenant)), ...fileValues(o.dataDir)() }), () => overridePlaceholders(join(o.dataDir, 'handbook'))),
    registrations: new Registrations(dbs.identity),
    questions: new Questions(dbs.identity),
  };
  // Janus runs only where video is asked for (`npm start`, video tests): `video.janus: false` or no janus binary is the mesh mode.
  const video = new VideoService(store, o.dataDir, o.video ? o.video : { janus: false }, log);
  await video.start();
  const bus = typeof o.bus === 'string' ? await redisBus(o.bus, log) : o.bus;
  const hub = new Hub(store, o.relayId ?? 'ratsraum-relay', metrics, log, {
    secondFactor: {
      // Finding 11: every certified device needs a TOTP login (all roles are member-like); the demo's pre-provisioned ones only in demo mode.
      // DIS-5: a device that ever enrolled is never taken for a pre-provisioned one (a backup relay whose
      // identity database lacked the TOTP rows let such devices in without their second factor).
      required: async (tenant, device) => !o.demo || (await identity.totp.has(tenant, device)) || (await identity.enrolments.get(tenant, device)) !== undefined,
      session: (tenant, device, token) => identity.enrolments.session(tenant, device, token),
    },
    // SEC-4: what the admin's device signs into a meeting (setup, legal basis) shows in the audit log too.
    onStored: (tenant, meeting, env) => {
      const enforced = video.stored(tenant, meeting, env);
      publicSide.stored(tenant, meeting, env);
      if (!(ADMIN_KINDS as readonly string[]).includes(env.kind)) return enforced;
      const author = toHex(env.author);
      const audited = store
        .cert(tenant, author)
        .then((cert) => identity.audit.add(tenant, { at: Date.now(), actor: `device:${author}`, action: env.kind, person: cert?.body.person ?? null, summary: `${env.kind} in meeting ${meeting} (entry ${env.id.slice(0, 16)}, device ${fingerprint(env.author)})`, request: null, sig: null }))
        .catch((e) => log(`relay: audit of ${env.kind} failed: ${(e as Error).message}`));
      return Promise.all([enforced, audited]).then(() => {});
    },
    // Stored by another relay: the SFU and the public side learn of it too; the audit entry is that relay's.
    onStoredElsewhere: (tenant, meeting, env) => {
      publicSide.stored(tenant, meeting, env);
      return video.stored(tenant, meeting, env);
    },
    bus,
    videoTicket: (a) => video.issueTicket(a),
    publicAccess: (tenant, meeting, token) => publicSide.access(tenant, meeting, token),
    ...o.hub,
  });
  // The municipality's name for invitation mails: from the tenant's settings, else the tenant id.
  const municipality = async (tenant: string) => (await identity.settings.values(tenant)).municipality || tenant;
  const publicSide = publicRoutes({ store, hub, registrations: identity.registrations, questions: identity.questions, settings: (t) => identity.settings.values(t), smtp: o.smtp, publicUrl: o.publicUrl, municipality, trustedProxies: o.trustedProxies, rate: o.publicRate });
  const retention = new Retention({ dataDir: o.dataDir, store, db: dbs.identity, clock: o.retention?.clock, log });
  retention.start(o.retention?.intervalMs);
  const identityDeps: IdentityDeps = { store, hub, ...identity, retention, smtp: o.smtp, publicUrl: o.publicUrl, rate: o.identityRate, sessionTtlMs: o.sessionTtlMs, municipality, trustedProxies: o.trustedProxies };
  const staticDir = o.staticDir && existsSync(o.staticDir) ? resolve(o.staticDir) : undefined;
  const monitor = new Monitor({
    metrics,
    db: () => store.ping(),
    video: () => video.health(),
    thresholds: o.monitor,
    opsMail: o.opsMail?.length && o.smtp ? { to: o.opsMail, smtp: o.smtp, relay: o.publicUrl ?? 'ratsraum' } : undefined,
    log,
  });
  monitor.start(o.monitor?.everyMs);
  const app = createApp({
    store,
    hub,
    metrics,
    monitor,
    started: Date.now(),
    backupRelays: o.backupRelays,
    trustedProxies: o.trustedProxies,
    anonymousRate: o.anonymousRate,
    metricsToken: o.metricsToken,
    assets: staticDir ? serveStatic({ root: relative(process.cwd(), staticDir) || '.' }) : undefined,
    handbook: handbookTexts({ overrideDir: join(o.dataDir, 'handbook'), values: (tenant) => (tenant ? identity.settings.values(tenant) : fileValues(o.dataDir)()) }),
    publicSide: publicSide.app,
    identity: identityRoutes(identityDeps),
    replication: o.replication?.token ? replicationRoutes({ store, hub, totp: identity.totp, enrolments: identity.enrolments, log }, o.replication.token) : undefined,
    indexHtml: staticDir ? () => readFile(join(staticDir, 'index.html'), 'utf8').catch(() => undefined) : undefined,
  });
  const server = serve({ fetch: app.fetch, port: o.port ?? 0, hostname: o.host ?? '127.0.0.1' });
  await new Promise<void>((ok, fail) => {
    if (server.listening) return ok();
    server.once('listening', ok);
    server.once('error', fail);
  });
  const mesh = createMesh({ log });
  server.on('upgrade', (req, socket, head) => mesh.upgrade(req, socket, head));
  const sync = syncEndpoint(server as Server, hub, { heartbeatMs: o.heartbeatMs, trustedProxies: o.trustedProxies, otherPaths: [MESH_SOCKET_PATH, VIDEO_PATH], log });
  const videoSockets = videoEndpoint(server as Server, video, log);
  const turnOpts = o.video && o.video.turn !== false ? (o.video.turn ?? {}) : undefined;
  const turnIp = turnOpts?.ip ?? process.env.RATSRAUM_TURN_IP ?? process.env.RATSRAUM_ICE_IP ?? o.host ?? '127.0.0.1';
  const turn = turnOpts ? await startTurn({ dataDir: o.dataDir, ip: turnIp, port: turnOpts.port, publicHost: turnOpts.publicHost ?? process.env.RATSRAUM_TURN_HOST, log }).catch((e: Error) => void log(`relay: no TURN for the mesh fallback: ${e.message}`)) : undefined;
  // The mesh serves where there is no SFU, and (DIS-5) while the SFU is down.
  video.mesh = meshBackend(mesh, turn ?? undefined);
  const replicator = o.replication?.from
    ? replicateFrom({ store, hub, totp: identity.totp, enrolments: identity.enrolments, log }, o.replication.from, o.replication.token ?? '', o.replication.intervalMs)
    : undefined;
  const port = (server.address() as AddressInfo).port;
  const host = o.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    store,
    hub,
    identity,
    mesh,
    turn: turn ?? undefined,
    video,
    retention,
    replicator,
    monitor,
    async close() {
      monitor.stop();
      replicator?.stop();
      mesh.close();
      const turnClosed = turn?.close(); // first, so that a failing step below cannot leave coturn running
      await videoSockets.close();
      await video.close();
      await Promise.all([sync.close(), turnClosed]);
      if (typeof o.bus === 'string') await bus?.close();
      await retention.close();
      await store.close();
      await dbs.close();
    },
  };
}

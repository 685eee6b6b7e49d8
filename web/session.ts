/**
 * One meeting as the app sees it: the replica loaded from IndexedDB before any network, the sync client,
 * and Solid signals for what views render. Views never compute rules; they read `state()`.
 */
import { type Accessor, createSignal } from 'solid-js';
import { fromHex, toHex } from '../crypto/bytes.js';
import type { CertBody } from '../crypto/cert.js';
import type { Signer } from '../crypto/ed25519.js';
import { fingerprint } from '../crypto/hash.js';
import type { DocName, DomainKind, Payload } from '../core/entries.js';
import { type Integrity, Replica } from '../core/replica.js';
import { type SessionState, stateHash } from '../core/state.js';
import { startDuties } from './duties.js';
import { currentSession } from './identity.js';
import * as idb from './store/idb.js';
import { heldKey, keepKey } from './store/keys.js';
import { type Presence, SyncClient, type SyncStatus } from './sync/client.js';

export interface Session {
  replica: Replica;
  /** "tenant/meeting": what secret-ballot proofs are bound to. */
  ref: string;
  state: Accessor<SessionState>;
  integrity: Accessor<Integrity>;
  status: Accessor<SyncStatus>;
  presence: Accessor<Presence>;
  me: Accessor<CertBody | undefined>;
  error: Accessor<string | undefined>;
  /** The relay wants a fresh login with the second factor (session expired) before it syncs again. */
  loginNeeded: Accessor<boolean>;
  /** A one-time ticket for the video socket, from the logged-in sync connection (waits until it is up). */
  videoTicket(): Promise<string>;
  /** Sync again after a new login. */
  resume(): void;
  act<K extends DomainKind>(kind: K, payload: Payload<K>, doc?: DocName): Promise<void>;
  stop(): void;
}

export class SessionError extends Error {
  constructor(readonly key: 'route.hint' | 'error.fingerprint' | 'noMeeting') {
    super(key);
  }
}

async function tenantKeyOf(tenant: string, meeting: string): Promise<string> {
  const meta = await idb.getMeta(tenant, meeting);
  if (meta.tenantKey) return meta.tenantKey;
  const r = await fetch(`/api/${encodeURIComponent(tenant)}/key`).catch(() => undefined);
  if (!r?.ok) throw new SessionError('noMeeting');
  const { tenantKey } = (await r.json()) as { tenantKey: string };
  // The first key kept wins: a concurrent writer cannot swap the tenant key this device trusts.
  return (await idb.updateMeta(tenant, meeting, (m) => (m.tenantKey ? m : { ...m, tenantKey }))).tenantKey!;
}

/** Backup relays the relay publishes; remembered for the day the relay itself is down. */
async function backupRelays(tenant: string, meeting: string): Promise<string[]> {
  const meta = await idb.getMeta(tenant, meeting);
  try {
    const r = await fetch('/api/config');
    const { backupRelays } = (await r.json()) as { backupRelays: string[] };
    const valid = backupRelays.filter((u) => /^wss?:\/\//.test(u)).slice(0, 5);
    await idb.updateMeta(tenant, meeting, (m) => ({ ...m, backupRelays: valid }));
    return valid;
  } catch {
    return meta.backupRelays ?? [];
  }
}

/** The device key: from a demo join link (kept per meeting), else the tenant's enrolled device key. */
async function deviceSigner(tenant: string, meeting: string, join?: { seed: string; fp: string }): Promise<{ signer: Signer; fp: string } | undefined> {
  if (join) await keepKey(tenant, meeting, fromHex(join.seed, 32, 'device'), join.fp);
  return (await heldKey(tenant, meeting)) ?? (await heldKey(tenant, ''));
}

export async function openSession(o: { tenant: string; meeting: string; device: boolean; join?: { seed: string; fp: string } }): Promise<Session> {
  const { tenant, meeting } = o;
  const device = o.device ? await deviceSigner(tenant, meeting, o.join) : undefined;
  if (o.device && !device) throw new SessionError('route.hint');
  const tenantKey = await tenantKeyOf(tenant, meeting);
  if (device && fingerprint(fromHex(tenantKey, 32)).replace(/ /g, '') !== device.fp) throw new SessionError('error.fingerprint');
  const docs: DocName[] = device ? ['public', 'members'] : ['public'];
  const replica = new Replica({ tenant, meeting, tenantKey: fromHex(tenantKey, 32), docs, signer: device?.signer });
  const meta = await idb.getMeta(tenant, meeting);
  await replica.addCerts([...(meta.certs ?? []), ...(await idb.tenantCerts(tenant, tenantKey))]);
  await replica.receive(await idb.loadEnvelopes(tenant, meeting));
  const persisted = new Set<string>([...replica.log.all()].map((e) => e.id));

  const [state, setState] = createSignal(replica.state); // the replica keeps one state object until it refolds
  const [integrity, setIntegrity] = createSignal(replica.integrity(), { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) });
  const [status, setStatus] = createSignal<SyncStatus>('offline');
  const [presence, setPresence] = createSignal<Presence>([]);
  const [error, setError] = createSignal<string>();
  const [loginNeeded, setLoginNeeded] = createSignal(false);
  // Reads state() so that views re-render when the welcome brings this device's certificate.
  const me = () => (state(), device ? replica.directory.get(toHex(device.signer.publicKey)) : undefined);
  // Finding 13: kept whenever the set of versions changes (a revocation or re-issue adds one), by signature.
  const certSigs = () => replica.directory.all().map((c) => c.sig).sort().join();
  let persistedCerts = certSigs();

  let scheduled = false;
  let shown: SessionState | undefined;
  const root = document.documentElement;
  const refresh = () => {
    scheduled = false;
    const s = replica.state;
    setIntegrity(replica.integrity());
    if (s === shown) return; // a beacon: nothing folded anew, nothing to store
    shown = s;
    setState(s);
    root.dataset.stateHash = stateHash(s);
    root.dataset.logSize = String(replica.log.size);
    const fresh = [...replica.log.all()].filter((e) => !persisted.has(e.id));
    fresh.forEach((e) => persisted.add(e.id));
    void idb.putEnvelopes(tenant, meeting, fresh);
    const sigs = certSigs();
    if (sigs !== persistedCerts) {
      persistedCerts = sigs;
      void idb.putCerts(tenant, meeting, tenantKey, replica.directory.all());
    }
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(refresh);
    }
  };
  replica.onChange(schedule);
  refresh();

  let sessionToken = (await currentSession(tenant))?.token;
  const ws = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;
  const client = new SyncClient({
    urls: [ws, ...(await backupRelays(tenant, meeting))],
    replica,
    auth: device ? { tenant, meeting, signer: device.signer, session: () => sessionToken } : { tenant, meeting, public: true },
    fingerprint: device?.fp,
    onStatus: (s) => {
      setStatus(s);
      document.documentElement.dataset.status = s;
    },
    onPresence: setPresence,
    onError: (code, message) => {
      console.warn(`sync: ${code}: ${message}`);
      if (code === 'fingerprint' || code === 'tenant-key' || code === 'revoked' || code === 'clock') setError(code);
      if (code === 'session') setLoginNeeded(true);
    },
  });
  client.start();
  const tick = setInterval(() => setIntegrity(replica.integrity()), 2000);

  let stopDuties = () => {};
  const session: Session = {
    replica,
    ref: `${tenant}/${meeting}`,
    state,
    integrity,
    status,
    presence,
    me,
    error,
    loginNeeded,
    videoTicket: () => client.videoTicket(),
    resume() {
      void currentSession(tenant).then((x) => {
        sessionToken = x?.token;
        setLoginNeeded(false);
        client.start();
      });
    },
    async act(kind, payload, doc) {
      try {
        setError(undefined);
        await replica.create(kind, payload, doc);
      } catch (e) {
        setError((e as Error).message);
      }
    },
    stop() {
      stopDuties();
      clearInterval(tick);
      client.stop();
    },
  };
  if (device) stopDuties = startDuties(session, tenant, meeting);
  return session;
}

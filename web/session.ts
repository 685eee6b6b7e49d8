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
import { keepCheckpoint, loadMeeting } from './load.js';
import { currentSession } from './identity.js';
import * as idb from './store/idb.js';
import { heldDh, heldKey, keepDh, keepKey } from './store/keys.js';
import { type DhKey, dhFromSeed } from '../crypto/seal.js';
import { watchKeys } from '../core/key-duty.js';
import { type Presence, SyncClient, type SyncStatus, type VideoAccess } from './sync/client.js';
import { PeerMesh } from './sync/peers.js';

/** How this device reaches the session: a relay's state, or `peers` when only data channels to other devices carry it (DIS-5). */
export type Reach = SyncStatus | 'peers';

export function reachOf(status: SyncStatus, peers: number): Reach {
  return peers > 0 && (status === 'offline' || status === 'connecting') ? 'peers' : status;
}

/** DIS-5: without a relay, a device counts as connected while its beacons still arrive (three of the PWA's 5 s beacons). */
const MESH_PRESENCE_MS = 15_000;

export interface Session {
  replica: Replica;
  /** "tenant/meeting": what secret-ballot proofs are bound to. */
  ref: string;
  state: Accessor<SessionState>;
  integrity: Accessor<Integrity>;
  status: Accessor<SyncStatus>;
  /** DIS-5: data channels to other devices of the meeting that are up (the log travels over them without a relay). */
  peers: Accessor<number>;
  reach: Accessor<Reach>;
  /** How many other devices have said, by signed beacon, that they hold this entry (reactive). */
  holders(entry: string): number;
  presence: Accessor<Presence>;
  me: Accessor<CertBody | undefined>;
  error: Accessor<string | undefined>;
  /** The relay wants a fresh login with the second factor (session expired) before it syncs again. */
  loginNeeded: Accessor<boolean>;
  /** A one-time ticket for the video socket and the address of the relay that issued it (waits until a sync connection is up). */
  videoAccess(): Promise<VideoAccess>;
  /** The /sync address of the relay the session is logged in at (the primary, or a backup while it is down). */
  relay: Accessor<string>;
  /** Sync again after a new login. */
  resume(): void;
  act<K extends DomainKind>(kind: K, payload: Payload<K>, doc?: DocName): Promise<void>;
  /** Signs bytes with this device's key (requests such as reading the residents' questions); undefined for the public. */
  sign?: (bytes: Uint8Array) => Promise<Uint8Array>;
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

/**
 * The device key: from a demo join link (kept per meeting), else the tenant's enrolled device key; with its
 * X25519 key for sealed meetings (a demo device derives it from its seed, core/sealed.ts).
 */
async function deviceSigner(tenant: string, meeting: string, join?: { seed: string; fp: string }): Promise<{ signer: Signer; fp: string; dh?: DhKey } | undefined> {
  if (join) {
    const seed = fromHex(join.seed, 32, 'device');
    await keepDh(tenant, meeting, dhFromSeed(seed).secretKey);
    await keepKey(tenant, meeting, seed, join.fp);
  }
  const own = await heldKey(tenant, meeting);
  if (own) return { ...own, dh: await heldDh(tenant, meeting) };
  const enrolled = await heldKey(tenant, '');
  return enrolled && { ...enrolled, dh: await heldDh(tenant, '') };
}

export async function openSession(o: { tenant: string; meeting: string; device: boolean; join?: { seed: string; fp: string }; access?: string }): Promise<Session> {
  const { tenant, meeting } = o;
  const device = o.device ? await deviceSigner(tenant, meeting, o.join) : undefined;
  if (o.device && !device) throw new SessionError('route.hint');
  const tenantKey = await tenantKeyOf(tenant, meeting);
  if (device && fingerprint(fromHex(tenantKey, 32)).replace(/ /g, '') !== device.fp) throw new SessionError('error.fingerprint');
  const docs: DocName[] = device ? ['public', 'members'] : ['public'];
  const meta = await idb.getMeta(tenant, meeting);
  const certs = [...(meta.certs ?? []), ...(await idb.tenantCerts(tenant, tenantKey))];
  const loaded = await loadMeeting(tenant, meeting, device?.signer, async (verify) => {
    const r = new Replica({ tenant, meeting, tenantKey: fromHex(tenantKey, 32), docs, signer: device?.signer, dh: device?.dh, verify });
    await r.addCerts(certs);
    return r;
  });
  const replica = loaded.replica;
  const persisted = new Set<string>([...replica.log.all()].map((e) => e.id));

  const [state, setState] = createSignal(replica.state); // the replica keeps one state object until it refolds
  const [integrity, setIntegrity] = createSignal(replica.integrity(), { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) });
  const [status, setStatus] = createSignal<SyncStatus>('offline');
  const [relay, setRelay] = createSignal('');
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
  root.dataset.checkpoint = loaded.verdict; // what the load from IndexedDB made of this device's checkpoint
  root.dataset.loadChecked = String(loaded.checked); // signatures it checked
  root.dataset.loadSize = String(replica.log.size); // entries it took from IndexedDB (logSize grows with the sync)
  const [heard, setHeard] = createSignal(0); // bumped on every change, beacons included: what holders() reads
  const refresh = () => {
    scheduled = false;
    setHeard((n) => n + 1);
    const s = replica.state;
    setIntegrity(replica.integrity());
    if (s === shown) return; // a beacon: nothing folded anew, nothing to store
    shown = s;
    setState(s);
    const hash = stateHash(s);
    root.dataset.stateHash = hash;
    root.dataset.logSize = String(replica.log.size);
    root.dataset.verifiedInWorkers = String(loaded.pool.stats.inWorkers);
    const fresh = [...replica.log.all()].filter((e) => !persisted.has(e.id));
    fresh.forEach((e) => persisted.add(e.id));
    const stored = idb.putEnvelopes(tenant, meeting, fresh);
    if (device && (fresh.length > 0 || loaded.verdict !== 'used')) keepCheckpoint(tenant, meeting, replica, device.signer, hash, stored);
    else void stored;
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
    auth: device ? { tenant, meeting, signer: device.signer, session: () => sessionToken } : { tenant, meeting, public: true, access: o.access },
    fingerprint: device?.fp,
    onStatus: (s) => {
      setStatus(s);
      document.documentElement.dataset.status = s;
    },
    onPresence: setPresence,
    onRelay: setRelay,
    onError: (code, message) => {
      console.warn(`sync: ${code}: ${message}`);
      if (code === 'fingerprint' || code === 'tenant-key' || code === 'revoked' || code === 'clock' || code === 'access') setError(code);
      if (code === 'session') setLoginNeeded(true);
    },
  });
  client.start();
  // DIS-5: data channels to other devices of the meeting, signalled through whichever relay is reachable. On
  // while the relays are up, so that the channels exist when the data centre falls (none can be signalled then);
  // localStorage['ratsraum.peers'] = 'off' opts a device out.
  const peersOn = globalThis.localStorage?.getItem('ratsraum.peers') !== 'off';
  const peers = device && peersOn && 'RTCPeerConnection' in globalThis ? new PeerMesh({ replica, signer: device.signer, signallers: [client] }) : undefined;
  peers?.start();
  const [peerCount, setPeerCount] = createSignal(0);
  const tick = setInterval(() => {
    setHeard((n) => n + 1); // beacons age: presence over the mesh is read anew
    setIntegrity(replica.integrity());
    setPeerCount(peers?.ready.length ?? 0);
    root.dataset.peers = String(peerCount());
    root.dataset.peerKeys = (peers?.ready.map((p) => p.peer) ?? []).join(' '); // whom the data channels join this device with
  }, 1000);

  const reach = () => reachOf(status(), peerCount());
  // Without a relay its last presence list goes stale: then who is connected is this device, its data channels,
  // and every device whose beacon still arrives over them.
  const meshPresence = (): Presence => {
    heard();
    const keys = new Set([...(device ? [toHex(device.signer.publicKey)] : []), ...(peers?.ready.map((p) => p.peer) ?? []), ...replica.heardFrom(Date.now() - MESH_PRESENCE_MS)]);
    return [...keys].flatMap((k) => {
      const c = replica.directory.get(k);
      return c ? [{ device: k, person: c.person, connected: true }] : [];
    });
  };
  let stopDuties = () => {};
  const session: Session = {
    replica,
    ref: `${tenant}/${meeting}`,
    state,
    integrity,
    status,
    peers: peerCount,
    reach,
    holders: (entry) => (heard(), replica.holders(entry).length),
    presence: () => (reach() === 'online' || reach() === 'resyncing' ? presence() : meshPresence()),
    me,
    error,
    loginNeeded,
    videoAccess: () => client.videoAccess(),
    relay,
    ...(device ? { sign: (bytes: Uint8Array) => device.signer.sign(bytes) } : {}),
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
      peers?.stop();
      client.stop();
      loaded.pool.close();
    },
  };
  if (device) {
    const stopTrustee = startDuties(session, tenant, meeting);
    // Sealed meetings: this device makes and passes on content keys by itself (core/key-duty.ts).
    const stopKeys = watchKeys(replica, (e) => console.warn(`keys: ${e.message}`));
    stopDuties = () => {
      stopTrustee();
      stopKeys();
    };
  }
  return session;
}

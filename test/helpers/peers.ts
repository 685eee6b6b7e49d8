/**
 * Peer transport helpers: Node devices (replica + SyncClient over `ws` + PeerMesh over node-datachannel's
 * RTCPeerConnection), the same code the PWA runs with the browser's RTCPeerConnection.
 */
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import type { Demo } from '../../relay/demo.js';
import { type PeerConnectionCtor, PeerMesh } from '../../web/sync/peers.js';
import { demoSigner, device, type NodeDevice } from './relay.js';

export interface PeerDevice extends NodeDevice {
  mesh: PeerMesh;
  stop(): void;
}

export async function peerDevice(demo: Demo, person: string, urls: string[], opts: { beaconMs?: number; pingMs?: number; meshBeaconMs?: number; relayForwardMs?: number; setupMs?: number; log?: (m: string) => void } = {}): Promise<PeerDevice> {
  const d = await device(demo, person, urls, { beaconMs: opts.beaconMs ?? 1000, pingMs: opts.pingMs, relayForwardMs: opts.relayForwardMs });
  const signer = await demoSigner(demo, person);
  const mesh = new PeerMesh({ replica: d.replica, signer, signallers: [d.client], RTCPeerConnection: RTCPeerConnection as unknown as PeerConnectionCtor, beaconMs: opts.meshBeaconMs ?? opts.beaconMs ?? 1000, setupMs: opts.setupMs, log: opts.log ?? (process.env.RATSRAUM_PEER_LOG ? (m) => console.log(`${person}: ${m}`) : undefined) });
  mesh.start();
  return {
    ...d,
    mesh,
    stop() {
      mesh.stop();
      d.client.stop();
    },
  };
}

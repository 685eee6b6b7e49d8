/**
 * Frames between two devices over a WebRTC data channel (docs/PROTOCOL.md, "Peer transport"): the frames
 * of the sync protocol (core/wire.ts) with the same encodings; only the messages a symmetric exchange needs.
 * Each side plays both parts: it challenges the other and answers the other's challenge.
 */
import * as v from 'valibot';
import { clientMessage, decodeFrame, type Frame, LIMITS, serverMessage } from './wire.js';

/** The data channel's label: a peer that opens another is not one of ours. */
export const PEER_LABEL = 'ratsraum-sync/1';
/** The largest frame sent over a data channel (SCTP implementations agree on 256 KiB; we keep below). */
export const PEER_FRAME_BYTES = 240 * 1024;

const pick = <T extends { entries: { t: { literal: string } } }>(options: readonly T[], names: readonly string[]): T[] =>
  options.filter((o) => names.includes(o.entries.t.literal));

export const peerMessage = v.variant('t', [
  ...pick(serverMessage.options, ['challenge', 'synced', 'error', 'beacon']),
  ...pick(clientMessage.options, ['login', 'sync']),
] as unknown as [typeof serverMessage.options[number], ...(typeof serverMessage.options[number])[]]);
export type PeerMessage =
  | Extract<v.InferOutput<typeof serverMessage>, { t: 'challenge' | 'synced' | 'error' | 'beacon' }>
  | Extract<v.InferOutput<typeof clientMessage>, { t: 'login' | 'sync' }>;

export function decodePeerFrame(data: Uint8Array): Frame<PeerMessage> {
  if (data.length > PEER_FRAME_BYTES + 16 || data.length > LIMITS.frame) throw new RangeError(`peer frame over ${PEER_FRAME_BYTES} bytes`);
  return decodeFrame(data, peerMessage as unknown as v.GenericSchema<unknown, PeerMessage>);
}

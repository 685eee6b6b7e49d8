/**
 * DIS-5: WebRTC signalling between devices of one meeting over the relay's /sync (docs/PROTOCOL.md, "Peer
 * transport"). The relay forwards a device's `signal` to the named device's connections in the same room,
 * stamped with the sender the login proved; it reads nothing of it. Rate-limited per connection.
 */
import { encodeControl, type ClientMessage } from '../../core/wire.js';
import { Bucket } from './limits.js';
import type { Member, Room } from './rooms.js';

/** Signalling messages per connection: enough for a handful of offers with their candidates per second. */
export const SIGNAL_RATE = { burst: 200, perSecond: 40 };

export type SignalOutcome = 'sent' | 'unknown-device' | 'rate-limit' | 'forbidden';

export function forwardSignal<S extends Member>(
  room: Room<S> | undefined,
  from: S,
  rate: Bucket,
  m: Extract<ClientMessage, { t: 'signal' }>,
): SignalOutcome {
  const device = from.auth?.device;
  if (from.auth?.role !== 'device' || !device) return 'forbidden';
  if (!rate.take()) return 'rate-limit';
  const frame = encodeControl({ t: 'signal', from: device, data: m.data });
  let sent = false;
  for (const s of room?.sessions ?? []) {
    if (s === from || s.auth?.device !== m.to) continue;
    s.push(frame);
    sent = true;
  }
  return sent ? 'sent' : 'unknown-device';
}

export const signalBucket = (): Bucket => new Bucket(SIGNAL_RATE);

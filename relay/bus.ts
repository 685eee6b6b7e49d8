/**
 * The bus between relay processes that serve the same meetings behind one address (docs/PROTOCOL.md,
 * "Several relays"): best-effort publish/subscribe of binary messages by channel, and token buckets every
 * relay draws from. The store stays the truth (relay/sync/cluster.ts walks it for whatever the bus lost);
 * the bus only makes it fast. `memoryNet()` links relays in one process (tests, a single relay);
 * relay/bus-redis.ts is the one for a data centre.
 */
import { RateLimit } from './rate-limit.js';

export interface Rate {
  burst: number;
  perSecond: number;
}

export interface Bus {
  /** Sends to every other subscriber of `channel`; never throws (a lost message is caught up from the store). */
  publish(channel: string, message: Uint8Array): void;
  subscribe(channel: string, on: (message: Uint8Array) => void): void;
  unsubscribe(channel: string): void;
  /** A token from the bucket `key` shared by every relay on the bus: 0 when taken, else the seconds to wait. */
  take(key: string, rate: Rate): Promise<number>;
  close(): Promise<void>;
}

/** Relays in one process: what one bus publishes reaches the subscribers of every other bus of the net. */
export function memoryNet(): { bus(): Bus } {
  const subscribers = new Map<string, Set<{ bus: Bus; on: (m: Uint8Array) => void }>>();
  const buckets = new Map<string, RateLimit>();
  return {
    bus() {
      const mine = new Map<string, { bus: Bus; on: (m: Uint8Array) => void }>();
      const bus: Bus = {
        publish(channel, message) {
          // Asynchronous like a network: a publisher never runs a subscriber's handler inside its own call.
          for (const s of subscribers.get(channel) ?? []) if (s.bus !== bus) queueMicrotask(() => s.on(message.slice()));
        },
        subscribe(channel, on) {
          bus.unsubscribe(channel);
          const s = { bus, on };
          mine.set(channel, s);
          let set = subscribers.get(channel);
          if (!set) subscribers.set(channel, (set = new Set()));
          set.add(s);
        },
        unsubscribe(channel) {
          const s = mine.get(channel);
          if (!s) return;
          mine.delete(channel);
          subscribers.get(channel)?.delete(s);
        },
        async take(key, rate) {
          const k = `${rate.burst}/${rate.perSecond}/${key}`;
          let b = buckets.get(k);
          if (!b) buckets.set(k, (b = new RateLimit(rate.burst, rate.perSecond)));
          return b.wait(key);
        },
        async close() {
          for (const c of [...mine.keys()]) bus.unsubscribe(c);
        },
      };
      return bus;
    },
  };
}

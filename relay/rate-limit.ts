/**
 * Token buckets keyed by client address (relay/client-address.ts): requests beyond a burst and a steady
 * trickle are refused with 429 and `Retry-After`, before any work is done for them.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { addressBlock, clientAddress } from './client-address.js';

export { clientAddress } from './client-address.js';

/** A flood of invented addresses must not grow memory without end. */
const MAX_BUCKETS = 50_000;

export class RateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly burst: number,
    readonly perSecond: number,
  ) {
    if (!(burst >= 1) || !(perSecond > 0)) throw new RangeError(`RateLimit: burst must be >= 1 and perSecond > 0, got ${burst}, ${perSecond}`);
  }

  /** 0 when a token was taken, else the seconds until the next one. */
  wait(key: string, now = Date.now()): number {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep(now);
      this.buckets.set(key, (b = { tokens: this.burst, at: now }));
    }
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
    b.tokens -= 1;
    return 0;
  }

  take(key: string, now = Date.now()): boolean {
    return this.wait(key, now) === 0;
  }

  /** Forgets buckets that have refilled (they hold nothing); only if that frees little, all of them. */
  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k);
    if (this.buckets.size > MAX_BUCKETS * 0.9) this.buckets.clear();
  }
}

/** The socket address the Node adapter (@hono/node-server) hands in; undefined in-process. */
export const socketAddress = (c: Context): string | undefined => (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;

/** The client for limits: its address (X-Forwarded-For counts only from `trusted` proxies), IPv6 by /64. */
export const clientOf = (c: Context, trusted: readonly string[] = []): string => addressBlock(clientAddress(socketAddress(c), c.req.raw.headers, trusted));

/** Buckets every relay behind one address draws from (relay/bus.ts), named per limit. */
export interface SharedBuckets {
  take(key: string, rate: { burst: number; perSecond: number }): Promise<number>;
}

/** Hono middleware: one bucket per client address (with `shared`, one for all relays); a refusal is a 429 with Retry-After. */
export function rateLimit(o: { burst: number; perSecond: number; trustedProxies?: readonly string[]; shared?: { buckets: SharedBuckets; name: string } }): MiddlewareHandler {
  const limit = new RateLimit(o.burst, o.perSecond);
  const trusted = o.trustedProxies ?? [];
  const shared = o.shared;
  return async function rateLimited(c, next) {
    const client = clientOf(c, trusted);
    const wait = shared ? await shared.buckets.take(`${shared.name}:${client}`, { burst: o.burst, perSecond: o.perSecond }) : limit.wait(client);
    if (wait > 0) {
      const res = new Response(JSON.stringify({ error: 'rate-limit', code: 'rate-limit', message: `too many requests; retry in ${wait} s`, de: `Zu viele Anfragen. Bitte in ${wait} s erneut versuchen.` }), {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': String(wait) },
      });
      throw new HTTPException(429, { res });
    }
    await next();
  };
}

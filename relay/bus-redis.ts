/**
 * The relay bus (relay/bus.ts) on Redis (`--bus redis://host:port`): PUBLISH/SUBSCRIBE for the messages,
 * a Lua token bucket on Redis' own clock for the shared rate limits. Two connections, as Redis wants a
 * subscriber to do nothing else; ioredis reconnects both and subscribes again by itself. Nothing is queued
 * while Redis is away: a publish then is lost, which relay/sync/cluster.ts catches up from the store, and a
 * rate limit falls back to this relay's own buckets.
 */
import { Redis } from 'ioredis';
import type { Bus, Rate } from './bus.js';
import { RateLimit } from './rate-limit.js';

// Token bucket: tokens refill at ARGV[2] per second up to ARGV[1]; returns 0 (taken) or the seconds to wait.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local wait = 0
if tokens < 1 then wait = math.max(1, math.ceil((1 - tokens) / rate)) else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait`;

type WithTake = Redis & { ratsraumTake(key: string, burst: number, perSecond: number): Promise<number> };

export async function redisBus(url: string, log: (m: string) => void): Promise<Bus> {
  if (!/^rediss?:\/\//.test(url)) throw new RangeError(`--bus wants redis://host:port (or rediss://), got '${url}'`);
  const opts = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (n: number) => Math.min(100 * n, 2000) };
  const cmd = new Redis(url, opts) as WithTake;
  const sub = new Redis(url, { ...opts, enableOfflineQueue: true }); // SUBSCRIBE made while away is sent on reconnect
  cmd.defineCommand('ratsraumTake', { numberOfKeys: 1, lua: TAKE });
  let warned = false;
  const down = (e: Error) => {
    if (!warned) log(`relay: bus ${url}: ${e.message} (reconnecting)`);
    warned = true;
  };
  for (const c of [cmd, sub]) {
    c.on('error', down);
    c.on('ready', () => {
      if (warned) log(`relay: bus ${url} connected again`);
      warned = false;
    });
  }
  await Promise.all([cmd.connect(), sub.connect()]);
  const handlers = new Map<string, (m: Uint8Array) => void>();
  sub.on('messageBuffer', (channel: Buffer, message: Buffer) => handlers.get(channel.toString())?.(new Uint8Array(message.buffer, message.byteOffset, message.byteLength)));
  const local = new Map<string, RateLimit>(); // while Redis is away
  return {
    publish(channel, message) {
      if (cmd.status !== 'ready') return;
      cmd.publish(channel, Buffer.from(message.buffer, message.byteOffset, message.byteLength)).catch(down);
    },
    subscribe(channel, on) {
      const had = handlers.has(channel);
      handlers.set(channel, on);
      if (!had) sub.subscribe(channel).catch(down);
    },
    unsubscribe(channel) {
      if (!handlers.delete(channel)) return;
      sub.unsubscribe(channel).catch(down);
    },
    async take(key, rate: Rate) {
      try {
        if (cmd.status !== 'ready') throw new Error('not connected');
        return Number(await cmd.ratsraumTake(`ratsraum:rate:${key}`, rate.burst, rate.perSecond));
      } catch {
        const k = `${rate.burst}/${rate.perSecond}`;
        let b = local.get(k);
        if (!b) local.set(k, (b = new RateLimit(rate.burst, rate.perSecond)));
        return b.wait(key);
      }
    },
    async close() {
      handlers.clear();
      await Promise.allSettled([cmd.quit(), sub.quit()]);
      cmd.disconnect();
      sub.disconnect();
    },
  };
}

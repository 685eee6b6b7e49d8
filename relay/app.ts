/**
 * The relay's HTTP side as a Hono app over web-standard Request/Response: health, Prometheus metrics,
 * the public export of a meeting, and (mounted by the adapter) the built PWA. Anonymous requests that cost
 * work (export, handbook PDF) are rate-limited per client address and answered from caches; every error
 * is JSON `{error, message}` and never carries a stack trace.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { utf8 } from '../crypto/bytes.js';
import { CanonicalError } from '../crypto/canonical.js';
import { hashString } from '../crypto/hash.js';
import { makeRecord } from '../core/export.js';
import type { Hub } from './hub.js';
import { type Metrics, metricsGuard } from './metrics.js';
import type { Monitor } from './monitor.js';
import { rateLimit } from './rate-limit.js';
import type { Store } from './store.js';

export interface AppDeps {
  store: Store;
  hub: Hub;
  metrics: Metrics;
  /** AV-2: thresholds and notifications; /health names what is degraded. */
  monitor?: Monitor;
  started: number;
  /** Serves files of the built PWA; the adapter supplies it because reading files needs Node. */
  assets?: MiddlewareHandler;
  /** Further relays devices may fall back to (WebSocket URLs), published at /api/config. */
  backupRelays?: string[];
  /** The municipality's security handbook and privacy information (relay/handbook.ts; reading files needs Node). */
  handbook?: (kind: string, lang: string, tenant?: string) => Promise<{ markdown: string; version: string; pdf: () => Promise<Uint8Array> } | undefined>;
  /** PUB-1, PUB-4: registration, access links and residents' questions (relay/public-routes.ts). */
  publicSide?: Hono;
  /** Enrolment, login with the second factor and the admin API (relay/identity-routes.ts). */
  identity?: Hono;
  /** DIS-5: what a backup relay replicates from this one (relay/replication.ts), for the replication token's bearer. */
  replication?: Hono;
  /** index.html for client-side routes; undefined when no build exists. */
  indexHtml?: () => Promise<string | undefined>;
  /** Addresses of reverse proxies whose X-Forwarded-For names the client (relay/client-address.ts). */
  trustedProxies?: readonly string[];
  /** Bearer token for /metrics from elsewhere than loopback (relay/metrics.ts). */
  metricsToken?: string;
  /** Anonymous export and PDF requests per client address: burst and refill per second. */
  anonymousRate?: { burst: number; perSecond: number };
}

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const ANONYMOUS_RATE = { burst: 10, perSecond: 0.5 };
const CODES: Partial<Record<number, string>> = { 400: 'bad-request', 403: 'forbidden', 404: 'not-found', 413: 'too-large', 429: 'rate-limit' };

/**
 * The public record of each meeting, rebuilt only when its log head or the tenant's certificates change;
 * at most `maxBytes` of records are kept, the least recently used go first.
 */
function exportCache(store: Store, maxBytes = 64 * 1024 * 1024) {
  const cache = new Map<string, { head: string; body: Uint8Array; etag: string }>();
  let bytes = 0;
  const drop = (key: string) => {
    bytes -= cache.get(key)?.body.length ?? 0;
    cache.delete(key);
  };
  return async (tenant: string, meeting: string, tenantKey: string): Promise<{ body: Uint8Array; etag: string } | undefined> => {
    const frontier = (await store.frontier(tenant, meeting, ['public'])) as Record<string, Record<string, number> | undefined>;
    if (!frontier.public) return undefined;
    // Only what verifying the public document needs: the certificate history of its authors, not the directory.
    const authors = new Set(Object.keys(frontier.public));
    const certs = (await store.certs(tenant)).filter((c) => authors.has(c.body.device));
    const beacons = (await store.beacons(tenant, meeting)).filter((b) => authors.has(b.author));
    const head = JSON.stringify([tenantKey, frontier.public, certs.map((c) => c.sig), beacons.map((b) => b.sig)]);
    const key = `${tenant}\n${meeting}`;
    const hit = cache.get(key);
    if (hit?.head === head) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    drop(key);
    const wires = (await store.all(tenant, meeting, ['public'])).map((e) => e.wire);
    const entry = { head, body: utf8(JSON.stringify(makeRecord({ tenant, meeting, docs: ['public'], tenantKey, certs, wires, beacons }))), etag: `"${hashString(head)}"` };
    while (cache.size > 0 && bytes + entry.body.length > maxBytes) drop(cache.keys().next().value!);
    if (entry.body.length <= maxBytes) {
      cache.set(key, entry);
      bytes += entry.body.length;
    }
    return entry;
  };
}

export function createApp(d: AppDeps): Hono {
  const app = new Hono();
  const anonymous = rateLimit({ ...(d.anonymousRate ?? ANONYMOUS_RATE), trustedProxies: d.trustedProxies, shared: d.hub.sharedBuckets('anonymous') });
  const exportOf = exportCache(d.store);

  app.get('/health', async (c) => {
    const db = await d.store.ping();
    // AV-2: what is degraded now (relay/monitor.ts), by condition only: no person, no content.
    const degraded = d.monitor ? await d.monitor.check() : db ? [] : ['db'];
    const ok = degraded.length === 0;
    return c.json({ status: ok ? 'ok' : 'degraded', db, degraded, uptimeSeconds: Math.round((Date.now() - d.started) / 1000), connections: d.hub.connections() }, db ? 200 : 503);
  });

  app.get('/metrics', metricsGuard({ token: d.metricsToken, trustedProxies: d.trustedProxies }), async (c) => {
    const conn = d.hub.connections();
    d.metrics.gauge('connections', conn.device, { role: 'device' });
    d.metrics.gauge('connections', conn.public, { role: 'public' });
    d.metrics.gauge('uptime_seconds', Math.round((Date.now() - d.started) / 1000));
    await d.monitor?.check();
    return c.text(await d.metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  app.get('/api/config', (c) => c.json({ backupRelays: d.backupRelays ?? [] }));

  // Trust on first use for the public page; devices compare it with the fingerprint of their invitation.
  app.get('/api/:tenant/key', async (c) => {
    const { tenant } = c.req.param();
    if (!NAME.test(tenant)) throw new HTTPException(400, { message: 'invalid tenant id' });
    const tenantKey = await d.store.tenantKey(tenant);
    if (!tenantKey) throw new HTTPException(404, { message: `unknown tenant '${tenant}'` });
    return c.json({ tenant, tenantKey });
  });

  // SEC-2, DS-1: readable in the app and as PDF; `version` is what a member's acknowledgement names.
  app.use('/api/handbook/*', (c, next) => (c.req.path.endsWith('.pdf') ? anonymous(c, next) : next()));
  app.get('/api/handbook/:kind/:lang', async (c) => {
    const { kind, lang } = c.req.param();
    const pdf = lang.endsWith('.pdf');
    // ?tenant=: filled with that tenant's settings (an unknown one gets the defaults).
    const t = c.req.query('tenant');
    const h = await d.handbook?.(kind, pdf ? lang.slice(0, -4) : lang, t && NAME.test(t) && (await d.store.tenantKey(t)) ? t : undefined);
    if (!h) throw new HTTPException(404, { message: `no handbook '${kind}' in '${lang}'` });
    if (!pdf) return c.json({ kind, lang, markdown: h.markdown, version: h.version });
    return c.body((await h.pdf()) as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="ratsraum-${kind}-${lang}"` });
  });

  if (d.publicSide) app.route('/', d.publicSide);
  if (d.identity) app.route('/', d.identity);
  if (d.replication) app.route('/', d.replication);

  // The public document is public: anyone may fetch and re-check it.
  app.get('/api/:tenant/:meeting/export', anonymous, async (c) => {
    const { tenant, meeting } = c.req.param();
    if (!NAME.test(tenant) || !NAME.test(meeting)) throw new HTTPException(400, { message: 'invalid tenant or meeting id' });
    const tenantKey = await d.store.tenantKey(tenant);
    if (!tenantKey) throw new HTTPException(404, { message: `unknown tenant '${tenant}'` });
    const record = await exportOf(tenant, meeting, tenantKey);
    if (record === undefined) throw new HTTPException(404, { message: `unknown meeting '${meeting}'` });
    if (c.req.header('if-none-match') === record.etag) return c.body(null, 304, { etag: record.etag });
    return c.body(record.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/json', etag: record.etag });
  });

  // DS-4: the app's own origin only ('self' covers its ws:/wss: too); the configured backup relays are the one exception.
  const backups = (d.backupRelays ?? []).flatMap((u) => {
    try {
      return [new URL(u).origin.replace(/^http/, 'ws')];
    } catch {
      return [];
    }
  });
  const csp = [
    "default-src 'self'",
    `connect-src 'self'${backups.map((o) => ` ${o}`).join('')}`,
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  if (d.assets) {
    app.use('*', async (c, next) => {
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('Referrer-Policy', 'no-referrer');
      c.header('Content-Security-Policy', csp);
      const p = c.req.path;
      if (p === '/' || p === '/index.html' || p === '/sw.js' || p.endsWith('.webmanifest')) c.header('Cache-Control', 'no-cache');
      else if (p.startsWith('/assets/')) c.header('Cache-Control', 'public, max-age=31536000, immutable');
      await next();
    });
    app.use('*', d.assets);
  }
  app.get('*', async (c) => {
    const html = await d.indexHtml?.();
    if (!html) throw new HTTPException(404, { message: 'not found (is the PWA built? run npm run build)' });
    return c.html(html);
  });

  app.notFound((c) => c.json({ error: 'not-found', message: `no route for ${c.req.method} ${c.req.path}`, code: 'not-found' }, 404));
  // The one error handler: refusals as JSON, input outside canonical JSON as 400, anything else logged and a bare 500.
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      if (err.res) return err.getResponse();
      const code = CODES[err.status] ?? 'error';
      return c.json({ error: code, message: err.message, code }, err.status as ContentfulStatusCode);
    }
    if (err instanceof CanonicalError) return c.json({ error: 'bad-request', message: `invalid request: ${err.message}`, de: 'Die Anfrage ist ungültig.', code: 'bad-request' }, 400);
    d.hub.log(`relay: ${c.req.method} ${c.req.path} failed: ${err.stack ?? err.message}`);
    return c.json({ error: 'internal', message: 'internal error', code: 'internal' }, 500);
  });
  return app;
}

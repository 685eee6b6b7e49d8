/**
 * The relay's HTTP side as a Hono app over web-standard Request/Response: health, Prometheus metrics,
 * the public export of a meeting, and (mounted by the adapter) the built PWA.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { toBase64 } from '../crypto/bytes.js';
import { FORMAT } from '../core/export.js';
import type { Hub } from './hub.js';
import type { Metrics } from './metrics.js';
import type { Store } from './store.js';

export interface AppDeps {
  store: Store;
  hub: Hub;
  metrics: Metrics;
  started: number;
  /** Serves files of the built PWA; the adapter supplies it because reading files needs Node. */
  assets?: MiddlewareHandler;
  /** Further relays devices may fall back to (WebSocket URLs), published at /api/config. */
  backupRelays?: string[];
  /** The municipality's security handbook and privacy information (relay/handbook.ts; reading files needs Node). */
  handbook?: (kind: string, lang: string, tenant?: string) => Promise<{ markdown: string; version: string; pdf: () => Promise<Uint8Array> } | undefined>;
  /** Enrolment, login with the second factor and the admin API (relay/identity-routes.ts). */
  identity?: Hono;
  /** index.html for client-side routes; undefined when no build exists. */
  indexHtml?: () => Promise<string | undefined>;
}

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

export function createApp(d: AppDeps): Hono {
  const app = new Hono();

  app.get('/health', (c) => {
    const db = d.store.ping();
    return c.json({ status: db ? 'ok' : 'degraded', db, uptimeSeconds: Math.round((Date.now() - d.started) / 1000), connections: d.hub.connections() }, db ? 200 : 503);
  });

  app.get('/metrics', (c) => {
    const conn = d.hub.connections();
    const body = d.metrics.render({ 'connections{role="device"}': conn.device, 'connections{role="public"}': conn.public, envelopes_stored: d.store.count(), uptime_seconds: Math.round((Date.now() - d.started) / 1000) });
    return c.text(body, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  app.get('/api/config', (c) => c.json({ backupRelays: d.backupRelays ?? [] }));

  // Trust on first use for the public page; devices compare it with the fingerprint of their invitation.
  app.get('/api/:tenant/key', (c) => {
    const { tenant } = c.req.param();
    if (!NAME.test(tenant)) throw new HTTPException(400, { message: 'invalid tenant id' });
    const tenantKey = d.store.tenantKey(tenant);
    if (!tenantKey) throw new HTTPException(404, { message: `unknown tenant '${tenant}'` });
    return c.json({ tenant, tenantKey });
  });

  // SEC-2, DS-1: readable in the app and as PDF; `version` is what a member's acknowledgement names.
  app.get('/api/handbook/:kind/:lang', async (c) => {
    const { kind, lang } = c.req.param();
    const pdf = lang.endsWith('.pdf');
    // ?tenant=: filled with that tenant's settings (an unknown one gets the defaults).
    const t = c.req.query('tenant');
    const h = await d.handbook?.(kind, pdf ? lang.slice(0, -4) : lang, t && NAME.test(t) && d.store.tenantKey(t) ? t : undefined);
    if (!h) throw new HTTPException(404, { message: `no handbook '${kind}' in '${lang}'` });
    if (!pdf) return c.json({ kind, lang, markdown: h.markdown, version: h.version });
    return c.body((await h.pdf()) as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="ratsraum-${kind}-${lang}"` });
  });

  if (d.identity) app.route('/', d.identity);

  // The public document is public: anyone may fetch and re-check it.
  app.get('/api/:tenant/:meeting/export', (c) => {
    const { tenant, meeting } = c.req.param();
    if (!NAME.test(tenant) || !NAME.test(meeting)) throw new HTTPException(400, { message: 'invalid tenant or meeting id' });
    const tenantKey = d.store.tenantKey(tenant);
    if (!tenantKey) throw new HTTPException(404, { message: `unknown tenant '${tenant}'` });
    const envelopes = d.store.all(tenant, meeting, ['public']).map((e) => toBase64(e.wire));
    return c.json({ format: FORMAT, tenant, meeting, docs: ['public'], tenantKey, certs: d.store.certs(tenant), envelopes });
  });

  if (d.assets) {
    app.use('*', async (c, next) => {
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('Referrer-Policy', 'no-referrer');
      c.header('Content-Security-Policy', "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'");
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

  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    console.error(`relay: ${c.req.method} ${c.req.path} failed: ${err.stack}`);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}

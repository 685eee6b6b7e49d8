/** The relay's HTTP side in-process (Hono `app.request`, no sockets): health, metrics, export, the PWA. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyExport } from '../../core/export.js';
import { createApp } from '../../relay/app.js';
import { type Demo, makeDemo, seedDemo } from '../../relay/demo.js';
import { Hub } from '../../relay/hub.js';
import { Metrics } from '../../relay/metrics.js';
import { openSqlite, type Store } from '../../relay/store.js';
import { cleanup, tempDir } from '../helpers/relay.js';

let dir: string;
let store: Store;
let demo: Demo;
let metrics: Metrics;
let app: ReturnType<typeof createApp>;
let bare: ReturnType<typeof createApp>;

beforeAll(async () => {
  dir = tempDir();
  store = openSqlite(join(dir, 'relay.sqlite'));
  demo = makeDemo();
  await seedDemo(store, demo);
  metrics = new Metrics();
  const hub = new Hub(store, 'test-relay', metrics);
  const web = join(dir, 'dist');
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>Ratsraum</title>');
  writeFileSync(join(web, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  writeFileSync(join(web, 'assets', 'index-AbC123.js'), 'console.log(1)');
  app = createApp({
    store,
    hub,
    metrics,
    started: Date.now() - 5000,
    metricsToken: 'test-metrics-token',
    assets: serveStatic({ root: relative(process.cwd(), web) }),
    indexHtml: () => readFile(join(web, 'index.html'), 'utf8'),
  });
  bare = createApp({ store, hub, metrics, started: Date.now() });
});
afterAll(async () => {
  await store.close();
  cleanup(dir);
});

describe('relay HTTP', () => {
  it('/health reports the database, uptime and connections', async () => {
    const res = await app.request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', db: true, connections: { device: 0, public: 0 } });
  });

  it('/metrics is Prometheus text with counters by code and gauges by role', async () => {
    metrics.count('logins_total', 3, { role: 'public' });
    metrics.count('envelopes_rejected_total', 2, { code: 'fork' });
    const res = await app.request('/metrics', { headers: { authorization: 'Bearer test-metrics-token' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE ratsraum_logins_total counter\nratsraum_logins_total{role="public"} 3\n');
    expect(text).toContain('ratsraum_envelopes_rejected_total{code="fork"} 2\n');
    expect(text).toContain('ratsraum_connections{role="device"} 0\n');
    expect(text).toContain('ratsraum_connections{role="public"} 0\n');
    // Every sample line is `name{labels} number`, every family announced once.
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{\w+="[^"]*"(,\w+="[^"]*")*\})? -?\d+(\.\d+)?)$/);
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE'));
    expect(new Set(types).size).toBe(types.length);
  });

  it('PUB-5 SEC-4 the export holds the public document and its authors\' certificates only, and verifies offline', async () => {
    const res = await app.request(`/api/${demo.tenant}/${demo.meeting}/export`);
    expect(res.status).toBe(200);
    const record = await res.json();
    expect(record).toMatchObject({ format: 'ratsraum-export/v2', tenant: demo.tenant, meeting: demo.meeting, docs: ['public'], tenantKey: await store.tenantKey(demo.tenant) });
    // SEC-4 (leaks): the certificates of the public document's authors only, not the tenant's directory.
    const authors = new Set((await store.all(demo.tenant, demo.meeting, ['public'])).map((e) => e.author));
    expect(record.certs.map((c: { body: { device: string } }) => c.body.device).sort()).toEqual([...authors].sort());
    expect(record.certs.length).toBeLessThan(demo.devices.length);
    expect(record.envelopes).toHaveLength((await store.all(demo.tenant, demo.meeting, ['public'])).length);
    const r = await verifyExport(record);
    // The session is not closed yet: every check passes, the record is not final.
    expect([r.verdict, r.problems], r.problems.join('; ')).toEqual(['pending', []]);
    expect(r.state!.agenda.every((i) => i.public)).toBe(true);
    expect(r.state!.agenda.length).toBeGreaterThanOrEqual(5);
    expect((await app.request(`/api/nirgendwo/${demo.meeting}/export`)).status).toBe(404);
    expect((await app.request(`/api/${'x'.repeat(200)}/m/export`)).status).toBe(400);
    expect((await app.request(`/api/${demo.tenant}/key`)).status).toBe(200);
  });

  it('serves the PWA: no-cache for index.html and sw.js, long cache for hashed assets, SPA fallback', async () => {
    const index = await app.request('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<title>Ratsraum</title>');
    const sw = await app.request('/sw.js');
    expect(sw.status).toBe(200);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    const asset = await app.request('/assets/index-AbC123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const deep = await app.request('/m/musterstadt/bv-mitte');
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<title>Ratsraum</title>');
    expect(deep.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await bare.request('/')).status).toBe(404);
  });
});

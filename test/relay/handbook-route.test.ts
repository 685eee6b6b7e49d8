/** SEC-2 and DS-1 in the running relay: the municipality's texts in the app and as PDF, and the signed acknowledgement. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { smallCouncil, sync } from '../helpers/replicas.js';
import { cleanup, demoRelay, tempDir } from '../helpers/relay.js';

const dirs: string[] = [];
const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  cleanup(...dirs);
});

describe('handbook and privacy information', () => {
  it('SEC-2 DS-1 the relay serves the municipality\'s edited texts in German and English, as text with a version and as PDF', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    mkdirSync(join(dataDir, 'handbook', 'de'), { recursive: true });
    writeFileSync(join(dataDir, 'handbook', 'values.json'), JSON.stringify({ controller: 'Stadt Musterstadt, Markt 1', dpo: 'datenschutz@musterstadt.example' }));
    writeFileSync(join(dataDir, 'handbook', 'de', 'privacy.md'), '# Datenschutzhinweise der Stadt\n\nVerantwortlich: {{controller}}. Datenschutzbeauftragte: {{dpo}}.\n');
    const { relay } = await demoRelay({ dataDir });
    stops.push(() => relay.close());
    const get = (path: string) => fetch(`${relay.url}${path}`);
    const privacy = (await (await get('/api/handbook/privacy/de')).json()) as { markdown: string; version: string };
    expect(privacy.markdown).toBe('# Datenschutzhinweise der Stadt\n\nVerantwortlich: Stadt Musterstadt, Markt 1. Datenschutzbeauftragte: datenschutz@musterstadt.example.\n');
    expect(privacy.version).toMatch(/^[0-9a-f]{64}$/);
    const security = (await (await get('/api/handbook/security/en')).json()) as { markdown: string };
    expect(security.markdown).toMatch(/screen lock/i); // the default English text where the municipality has none
    for (const path of ['/api/handbook/security/de.pdf', '/api/handbook/privacy/en.pdf']) {
      const r = await get(path);
      expect(r.headers.get('content-type')).toBe('application/pdf');
      const pdf = await PDFDocument.load(new Uint8Array(await r.arrayBuffer()));
      expect(pdf.getPageCount()).toBeGreaterThan(0);
    }
    expect((await get('/api/handbook/passwords/de')).status).toBe(404);
    expect((await get('/api/handbook/..%2F..%2Fetc/de')).status).toBe(404);
  });

  it('SEC-2 DS-1 a member\'s acknowledgement is a signed entry in the members document; the chair sees who has not acknowledged', async () => {
    const c = await smallCouncil();
    const chair = await c.join('chair');
    const m1 = await c.join('m1');
    const pub = await c.join(null);
    const version = 'ab'.repeat(32);
    await m1.create('handbook.ack', { kind: 'security', version }, 'members');
    await m1.create('handbook.ack', { kind: 'privacy', version }, 'members');
    await m1.create('handbook.ack', { kind: 'privacy', version }, 'public');
    await sync(m1, chair);
    await sync(m1, pub);
    expect(chair.state.acknowledgements.map((a) => [a.person, a.kind, a.version])).toEqual([
      ['m1', 'security', version],
      ['m1', 'privacy', version],
    ]);
    expect(chair.log.get(chair.state.acknowledgements[0]!.entry)!.doc).toBe('members');
    expect(m1.state.rejected.at(-1)!.reason).toBe('handbook.ack: belongs in the members document');
    expect(pub.state.acknowledgements).toEqual([]);
    const pending = chair.state.persons.filter((p) => !chair.state.acknowledgements.some((a) => a.person === p.id && a.kind === 'security')).map((p) => p.id);
    expect(pending).toEqual(['chair', 'm2', 'm3', 'm4', 'adv']);
  });
});

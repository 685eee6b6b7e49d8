/**
 * bench/oparl: OParl import of a large body from files (300 meetings, 5,000 agenda items, 60 persons in
 * 8 organizations), into an in-memory SQLite. Baseline in the same process: reading and JSON.parse-ing
 * the same files. Prints time and peak memory (rss and heapUsed, sampled every millisecond the event loop
 * is free, and at each phase's end: the synchronous SQLite write is only seen at its end) and ratios.
 * Run: npx tsx bench/oparl.ts (add --expose-gc via NODE_OPTIONS for cleaner memory figures).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openSqliteDirectory } from '../relay/identity-schema.js';
import { importOparl } from '../relay/oparl/command.js';

const MEETINGS = 300;
const ITEMS = 5_000;
const PERSONS = 60;
const PAGE = 25;
const B = 'https://ris.bench.example/oparl/';
const T = (t: string) => `https://schema.oparl.org/1.1/${t}`;

function generate(dir: string): number {
  let files = 0;
  const put = (p: string, x: unknown) => {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), JSON.stringify(x));
    files++;
  };
  const pages = (path: string, all: unknown[]) => {
    for (let i = 0; i * PAGE < all.length || i === 0; i++)
      put(`${path}${i ? `/page${i}` : ''}.json`, { data: all.slice(i * PAGE, (i + 1) * PAGE), links: (i + 1) * PAGE < all.length ? { next: `${B}${path}/page${i + 1}` } : {} });
  };
  put('system.json', { id: `${B}system`, type: T('System'), body: `${B}bodies` });
  pages('bodies', [{ id: `${B}body/1`, type: T('Body'), name: 'Großstadt', organization: `${B}body/1/organizations`, person: `${B}body/1/persons`, meeting: `${B}body/1/meetings` }]);
  const orgs = ['spd', 'cdu', 'gruene', 'fdp', 'linke', 'afd', 'hfa', 'rat'];
  pages('body/1/organizations', orgs.map((o, i) => ({ id: `${B}organization/${o}`, type: T('Organization'), name: o.toUpperCase(), classification: i < 6 ? 'Fraktion' : 'Ausschuss' })));
  pages(
    'body/1/persons',
    Array.from({ length: PERSONS }, (_, p) => ({
      id: `${B}person/${p}`,
      type: T('Person'),
      givenName: `Vorname${p}`,
      familyName: `Nachname${p}`,
      email: [`p${p}@example.org`],
      membership: [
        { id: `${B}membership/${p}-f`, type: T('Membership'), organization: `${B}organization/${orgs[p % 6]}`, votingRight: true, startDate: '2020-11-01' },
        { id: `${B}membership/${p}-rat`, type: T('Membership'), organization: `${B}organization/rat`, role: 'Ratsmitglied', votingRight: true, startDate: '2020-11-01' },
      ],
    })),
  );
  let item = 0;
  pages(
    'body/1/meetings',
    Array.from({ length: MEETINGS }, (_, m) => {
      const n = Math.floor(ITEMS / MEETINGS) + (m < ITEMS % MEETINGS ? 1 : 0);
      const day = new Date(Date.UTC(2021, 0, 1) + m * 3 * 86_400_000).toISOString().slice(0, 10);
      return {
        id: `${B}meeting/${m}`,
        type: T('Meeting'),
        name: `Sitzung ${m + 1}`,
        start: `${day}T17:00:00+01:00`,
        location: { description: 'Ratssaal' },
        organization: [`${B}organization/${m % 2 ? 'hfa' : 'rat'}`],
        agendaItem: Array.from({ length: n }, (_, i) => ({
          id: `${B}agendaitem/${item++}`,
          type: T('AgendaItem'),
          meeting: `${B}meeting/${m}`,
          number: String(i + 1),
          order: i,
          name: `Tagesordnungspunkt ${i + 1}: Beschluss über die Vorlage ${m}/${i} mit einer realistisch langen Bezeichnung`,
          public: i % 7 !== 6,
        })),
      };
    }),
  );
  if (item !== ITEMS) throw new Error(`generated ${item} agenda items`);
  return files;
}

interface Figures {
  ms: number;
  peakRss: number;
  peakHeap: number;
  rssGrowth: number;
}

async function measure(fn: () => Promise<unknown>): Promise<Figures> {
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage().rss;
  let peakRss = rss0;
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 1);
  const t0 = performance.now();
  await fn();
  sample();
  const ms = performance.now() - t0;
  clearInterval(timer);
  return { ms, peakRss, peakHeap, rssGrowth: peakRss - rss0 };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

const dir = mkdtempSync(join(tmpdir(), 'ratsraum-oparl-bench-'));
try {
  const files = generate(dir);
  console.log(`oparl import: ${MEETINGS} meetings, ${ITEMS} agenda items, ${PERSONS} persons, ${files} files in ${dir}`);

  const baseline = await measure(async () => {
    let objects = 0;
    for (const f of (await readdir(dir, { recursive: true })).filter((x) => x.endsWith('.json'))) {
      const x = JSON.parse(await readFile(join(dir, f), 'utf8')) as { data?: unknown[] };
      objects += x.data?.length ?? 1;
    }
    return objects;
  });

  const db = openSqliteDirectory(':memory:');
  let summary = '';
  const first = await measure(async () => {
    const r = await importOparl({ source: dir, db, tenant: 'bench' });
    if (!r.applied) throw new Error('bench import was not applied');
    summary = `${r.preview.total.added} objects added, ${r.warnings.length} warnings`;
  });
  const again = await measure(async () => {
    const r = await importOparl({ source: dir, db, tenant: 'bench' });
    summary += `; re-import: ${r.preview.total.unchanged} unchanged, ${r.preview.total.updated} updated`;
  });
  await db.close();

  console.log(summary);
  const row = (name: string, f: Figures) =>
    console.log(
      `${name.padEnd(28)} ${f.ms.toFixed(0).padStart(6)} ms (${(f.ms / baseline.ms).toFixed(1)}x)   peak rss ${mb(f.peakRss)} (+${mb(f.rssGrowth)}, ${(f.rssGrowth / Math.max(baseline.rssGrowth, 1)).toFixed(1)}x)   peak heapUsed ${mb(f.peakHeap)} (${(f.peakHeap / baseline.peakHeap).toFixed(1)}x)`,
    );
  row('baseline: read + JSON.parse', baseline);
  row('import into empty store', first);
  row('re-import, nothing changed', again);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The `ratsraum` command: start (relay + PWA, with the demo council unless --no-demo), tenant create (a
 * municipality's one-time setup link), export (a meeting's record from the store), verify (re-check an
 * export record offline), seats (§ 50 Abs. 3), import-oparl (ORG-1), dossier (the compliance dossier).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toBase64 } from '../crypto/bytes.js';
import { makeRecord, verifyExport } from '../core/export.js';
import type { DocName } from '../core/entries.js';
import { draw } from '../core/lot.js';
import { allocate, METHODS, type Method, parseVotes } from '../core/seats.js';
import { fromHex } from '../crypto/bytes.js';
import { type Demo, demoLinks, demoMasterData, makeDemo, seedDemo } from './demo.js';
import { startRelay } from './server.js';
import { importOparl } from './oparl/command.js';
import * as dossier from './dossier.js';
import { isPostgresUrl, openIdentityDatabases, openStore } from './store-open.js';
import { minutesCmd, verifyMinutesCmd } from './minutes-cli.js';
import { Invitations, type SmtpConfig } from './invitations.js';
import type { Thresholds } from './monitor.js';
import { localSmtp, readable } from './mailbox.js';
import { Retention } from './retention.js';
import { verifyDeletions } from '../core/retention.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage:
  ratsraum start|serve [--port 8080] [--host 127.0.0.1] [--data ./data] [--store sqlite|postgres://user@host/db] [--backup ws://backup-host/sync ...]
                 [--smtp host:port] [--mail-from ratsraum@example.org] [--public-url https://ratsraum.example.org] [--no-demo]
                 [--trusted-proxy 127.0.0.1 ...] [--metrics-token TOKEN] [--ops-mail ops@example.org ...]
                 [--alert-sync-ms 2000] [--alert-delivery-ms 250] [--alert-poor-members 1] [--alert-window-s 60] [--monitor-every-ms 5000] [--janus /usr/bin/janus|off] [--ice-interface eth0]
                 [--replication-token TOKEN] [--replicate-from https://primary-relay]   (a backup relay: DIS-5)
                 [--bus redis://127.0.0.1:6379]   (several relays on one store behind one address: docs/ops/data-centre.md)
  ratsraum tenant create <id> --name "Stadt Musterstadt" [--data ./data] [--store postgres://…] [--public-url https://ratsraum.example.org] [--ttl-hours 24]
  ratsraum export --data DIR [--store postgres://…] --tenant T --meeting M [--doc public|members]
  ratsraum verify <export.json> [--tenant-key <fingerprint>]   exit 0 ok, 3 pending, 1 failed, 2 unreadable
  ratsraum verify <export.json> --minutes <minutes.pdf> [--tenant-key <fingerprint>]   the PDF against the record
  ratsraum minutes --data DIR [--store postgres://…] --tenant T --meeting M (--out FILE.pdf | --json) [--lang de|en]
  ratsraum retention --data DIR [--store postgres://…] [--now ISO]                 delete what is past its period (DS-2), print the records
  ratsraum deletions --data DIR [--store postgres://…] --tenant T   the tenant's signed deletion records (ratsraum-deletions/v1)
  ratsraum verify-deletions <deletions.json> [--tenant-key <fingerprint>]   exit 0 ok, 3 pending, 1 failed, 2 unreadable
  ratsraum seats --method sainte-lague|hare-niemeyer|dhondt --seats N --votes "A=12,B=7,C=3" [--lot SEEDHEX]
  ratsraum import-oparl <dir|url> --tenant T [--data ./data] [--store postgres://…] [--dry-run]
  ratsraum dossier --report vitest.json [--report …] [--bench bench.json] [--requirements docs/REQUIREMENTS.md] [--compliance docs/compliance.md] --out DIR`;

/** `--janus PATH|off` (RATSRAUM_JANUS), `--ice-interface IF` (RATSRAUM_ICE_INTERFACE): our own Janus, or the mesh fallback. */
function videoOptions(janus = process.env.RATSRAUM_JANUS, iceInterface = process.env.RATSRAUM_ICE_INTERFACE) {
  return { janus: janus === 'off' ? (false as const) : janus || undefined, iceInterface: iceInterface || undefined };
}

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' }, store: { type: 'string' }, backup: { type: 'string', multiple: true }, smtp: { type: 'string' }, 'mail-from': { type: 'string' }, 'public-url': { type: 'string' }, 'no-demo': { type: 'boolean' }, 'trusted-proxy': { type: 'string', multiple: true }, 'metrics-token': { type: 'string' }, 'ops-mail': { type: 'string', multiple: true }, 'alert-sync-ms': { type: 'string' }, 'alert-delivery-ms': { type: 'string' }, 'alert-poor-members': { type: 'string' }, 'alert-window-s': { type: 'string' }, 'monitor-every-ms': { type: 'string' }, janus: { type: 'string' }, 'ice-interface': { type: 'string' }, 'replication-token': { type: 'string' }, 'replicate-from': { type: 'string' }, bus: { type: 'string' } },
  });
  const replication = { token: values['replication-token'] ?? process.env.RATSRAUM_REPLICATION_TOKEN, from: values['replicate-from'] ?? process.env.RATSRAUM_REPLICATE_FROM };
  if (replication.from && !replication.token) throw new UsageError('--replicate-from needs --replication-token (or RATSRAUM_REPLICATION_TOKEN), the same as the primary\'s');
  const demoMode = !values['no-demo'] && process.env.RATSRAUM_DEMO !== '0';
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  const dataDir = resolve(values.data ?? process.env.RATSRAUM_DATA ?? 'data');
  const staticDir = join(ROOT, 'dist');
  if (!existsSync(join(staticDir, 'index.html'))) console.warn('warning: dist/ has no build; run `npm run build` (npm start does)');
  const backupRelays = values.backup ?? process.env.RATSRAUM_BACKUP_RELAYS?.split(',').filter(Boolean) ?? [];
  const trustedProxies = values['trusted-proxy'] ?? process.env.RATSRAUM_TRUSTED_PROXY?.split(',').map((a) => a.trim()).filter(Boolean) ?? [];
  // Mail: the configured SMTP host, or a local mailbox that prints what it receives (the demo's invitations).
  const smtpArg = values.smtp ?? process.env.RATSRAUM_SMTP;
  let mailbox: Awaited<ReturnType<typeof localSmtp>> | undefined;
  let smtp: SmtpConfig;
  const from = values['mail-from'] ?? process.env.RATSRAUM_MAIL_FROM ?? 'ratsraum@localhost';
  if (smtpArg) {
    const m = /^([^:]+):(\d+)$/.exec(smtpArg);
    if (!m) throw new UsageError(`--smtp wants host:port, got '${smtpArg}'`);
    smtp = { host: m[1]!, port: Number(m[2]), from, secure: Number(m[2]) === 465 };
  } else {
    mailbox = await localSmtp({
      onMail: (mail) => {
        const { subject, body } = readable(mail);
        console.log(`\n--- Mail an / to ${mail.to.join(', ')}: ${subject}\n${body}\n---`);
      },
    });
    smtp = { host: mailbox.host, port: mailbox.port, from };
  }
  const relay = await startRelay({ dataDir, store: values.store, port, host, staticDir, backupRelays, smtp, publicUrl: values['public-url'] ?? process.env.RATSRAUM_PUBLIC_URL, demo: demoMode, trustedProxies, metricsToken: values['metrics-token'] ?? process.env.RATSRAUM_METRICS_TOKEN, opsMail: values['ops-mail'] ?? process.env.RATSRAUM_OPS_MAIL?.split(','), monitor: monitorOptions(values), video: videoOptions(values.janus, values['ice-interface']), replication, bus: values.bus ?? process.env.RATSRAUM_BUS });
  const stop = async () => {
    await relay.close();
    await mailbox?.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const v = relay.video.status();
  const videoNote =
    v.mode === 'sfu'
      ? `Video: über die SFU (Janus ${v.version}, pid ${v.pid}) / through the SFU`
      : v.fallback
        ? 'Video: Janus startet nicht, vorerst über die Geräte direkt (PeerJS) / Janus did not start, for now directly between the devices'
        : 'Video: Ausweichbetrieb ohne SFU (PeerJS) / fallback without SFU: apt-get install janus';
  const mailNote = mailbox ? `Mail: local mailbox on ${mailbox.host}:${mailbox.port}; received mails are printed here.` : `Mail: SMTP ${smtp.host}:${smtp.port}`;
  if (!demoMode) {
    // Production: nothing seeded, no device seed written; tenants come from `ratsraum tenant create`.
    const tenants = await relay.store.tenants();
    console.log(`Ratsraum relay on ${relay.url} (data: ${dataDir}, no demo)`);
    console.log(`health ${relay.url}/health   metrics ${relay.url}/metrics`);
    console.log(tenants.length ? `Kommunen / tenants: ${tenants.join(', ')}` : 'Noch keine Kommune eingerichtet / no tenant yet: ratsraum tenant create <id> --name "Stadt Musterstadt"');
    console.log(videoNote);
    console.log(mailNote);
    return;
  }
  const demoFile = join(dataDir, 'demo-devices.json');
  let demo: Demo;
  if (existsSync(demoFile)) demo = JSON.parse(readFileSync(demoFile, 'utf8')) as Demo;
  else {
    demo = makeDemo();
    await seedDemo(relay.store, demo, undefined, { sealed: true }); // end-to-end encrypted members' content (docs/PROTOCOL.md "Sealed content")
    writeFileSync(demoFile, JSON.stringify(demo, null, 2), { mode: 0o600 });
  }
  await relay.identity.directory.put(demo.tenant, demoMasterData(demo));
  const links = await demoLinks(demo, relay.url);
  console.log(`Ratsraum relay on ${relay.url} (data: ${dataDir})`);
  console.log(`health ${relay.url}/health   metrics ${relay.url}/metrics\n`);
  console.log(`Sitzungsleitung / chair: ${links.chair.name}\n  ${links.chair.url}\n`);
  console.log('Mitglieder / members:');
  for (const m of links.members) console.log(`  ${m.name} (${m.faction?.toUpperCase()})\n    ${m.url}`);
  console.log('\nBeratende Mitglieder / advisory members:');
  for (const m of links.advisory) console.log(`  ${m.name}\n    ${m.url}`);
  console.log(`\nVerwaltung / admin device: ${links.admin.name}\n  ${links.admin.url}`);
  if (links.room) console.log(`\nRaumgerät / room device: ${links.room.name}\n  ${links.room.url}`);
  if (links.minutes) console.log(`\nSchriftführung / minute-taker: ${links.minutes.name}\n  ${links.minutes.url}`);
  console.log(`\nVerwaltung (Admin-Ansicht, hält den Schlüssel der Kommune) / admin console:\n  ${links.console}`);
  console.log(`\nÖffentlichkeit / public:\n  ${links.public}`);
  console.log(`\nSaalanzeige / room display (PUB-3):\n  ${links.public.replace('#/public/', '#/saal/')}\n`);
  console.log(videoNote);
  console.log(mailNote);
  console.log('Each device link holds that device\'s key: open each in its own browser profile or private window.');
}

/**
 * A municipality on this relay: the tenant without a key, and a one-time setup link. The administration's
 * browser opens it, generates the tenant key there and registers only the public key (finding 10).
 */
async function tenantCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' }, data: { type: 'string' }, store: { type: 'string' }, 'public-url': { type: 'string' }, 'ttl-hours': { type: 'string' } } });
  const [sub, tenant] = positionals;
  if (sub !== 'create' || !tenant) throw new UsageError('tenant wants: create <id> --name "Stadt Musterstadt"');
  if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(tenant)) throw new UsageError(`tenant id '${tenant}': lower-case letters, digits, '.', '_' or '-', at most 64`);
  const name = values.name?.trim();
  if (!name || name.length > 200) throw new UsageError('tenant create needs --name "Stadt Musterstadt" (at most 200 characters)');
  const ttlHours = Number(values['ttl-hours'] ?? 24);
  if (!Number.isInteger(ttlHours) || ttlHours < 1 || ttlHours > 24 * 7) throw new UsageError('--ttl-hours: a whole number from 1 to 168');
  const dataDir = resolve(values.data ?? process.env.RATSRAUM_DATA ?? 'data');
  mkdirSync(dataDir, { recursive: true });
  const store = await openStore(dataDir, values.store);
  const dbs = await openIdentityDatabases(dataDir, values.store).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  const invitations = new Invitations(dbs.identity);
  try {
    const setup = (await store.tenantKey(tenant)) ? undefined : await invitations.createSetup({ tenant, name, ttlMs: ttlHours * 3_600_000 });
    if (!setup) {
      console.error(`tenant '${tenant}' is set up already (it has its key); nothing changed`);
      return 1;
    }
    const base = (values['public-url'] ?? process.env.RATSRAUM_PUBLIC_URL ?? `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? 8080}`).replace(/\/+$/, '');
    const until = new Date(setup.expires).toLocaleString('de-DE', { timeZone: 'Europe/Berlin' });
    console.log(`Kommune / tenant '${tenant}' (${name}) angelegt / created, noch ohne Schlüssel / no key yet.`);
    console.log(`Einrichtungslink (einmal gültig bis ${until}) / one-time setup link, for the administration's browser:\n  ${base}/#/setup/${tenant}/${setup.token}`);
    return 0;
  } finally {
    await dbs.close();
    await store.close();
  }
}

async function exportCmd(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, store: { type: 'string' }, tenant: { type: 'string' }, meeting: { type: 'string' }, doc: { type: 'string' } } });
  if (!values.tenant || !values.meeting) throw new UsageError('export needs --tenant and --meeting');
  const store = await openStore(resolve(values.data ?? 'data'), values.store);
  try {
    const tenantKey = await store.tenantKey(values.tenant);
    if (!tenantKey) throw new UsageError(`unknown tenant '${values.tenant}'`);
    const docs = values.doc ? [values.doc] : ['public', 'members'];
    const wires = (await store.all(values.tenant, values.meeting, docs)).map((e) => e.wire);
    const record = makeRecord({ tenant: values.tenant, meeting: values.meeting, docs: docs as DocName[], tenantKey, certs: await store.certs(values.tenant), wires, beacons: await store.beacons(values.tenant, values.meeting) });
    console.log(JSON.stringify(record, null, 1));
  } finally {
    await store.close();
  }
}

async function verify(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'tenant-key': { type: 'string' }, minutes: { type: 'string' } } });
  const file = positionals[0];
  if (!file) throw new UsageError('verify needs a file');
  const expected = values['tenant-key'];
  if (expected !== undefined && !/^[0-9a-f]{32}$/i.test(expected.replace(/\s/g, ''))) throw new UsageError('--tenant-key needs the fingerprint: 32 hex digits (spaces allowed)');
  if (values.minutes !== undefined) return verifyMinutesCmd(file, values.minutes, expected);
  let record: unknown;
  try {
    record = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`cannot read ${file}: ${(e as Error).message}`);
    return 2;
  }
  const r = await verifyExport(record, expected !== undefined ? { tenantKey: expected } : {});
  console.log(`${r.verdict.toUpperCase()}: ${r.envelopes} envelopes, ${r.applied} applied, state ${r.stateHash ?? '-'}`);
  if (r.tenantKeyFingerprint) {
    const checked = expected === undefined ? 'NOT CHECKED: compare it with the fingerprint your municipality publishes, or pass --tenant-key' : r.problems.some((p) => p.startsWith('tenant key:')) ? 'DOES NOT MATCH --tenant-key' : 'matches --tenant-key';
    console.log(`tenant key fingerprint: ${r.tenantKeyFingerprint} (${checked})`);
  }
  for (const p of r.problems) console.log(`  problem: ${p}`);
  for (const p of r.pending) console.log(`  pending: ${p}`);
  const s = r.state;
  if (s) {
    console.log(`meeting: ${s.meeting?.title ?? '-'} (${s.body?.name ?? '-'}), session ${s.session}`);
    console.log(`agenda: ${s.agenda.map((i) => `${i.no} ${i.title}${i.public ? '' : ' [n.ö.]'}`).join(' | ')}`);
    const present = Object.entries(s.attendance).filter(([, a]) => a.present);
    const name = (id: string) => s.persons.find((p) => p.id === id)?.name ?? id;
    console.log(`attendance: ${present.length} present${present.length ? ': ' : ''}${present.map(([id, a]) => `${name(id)} (${a.place ?? '-'})`).join(', ')}; ${s.attendanceLog.length} changes recorded`);
    console.log(`quorum: ${s.quorum.present} of ${s.quorum.statutory} present, ${s.quorum.needed} needed: ${s.quorum.quorate ? 'quorate' : 'not quorate'}`);
    for (const v of s.votes) {
      const counts = v.counts ? Object.entries(v.counts).map(([o, n]) => `${v.candidates.find((c) => c.id === o)?.name ?? o} ${n}`).join(', ') : 'not counted';
      const outcome = v.kind === 'decision' ? (v.result ?? 'open') : v.elected ? `elected ${v.elected}` : v.runoff ? `run-off ${v.runoff.join(' / ')}` : (v.outcome?.kind ?? 'open');
      const extra = v.mode === 'secret' ? `, ${v.received} encrypted ballots, ${v.partials.filter((p) => p.valid).length} valid partial decryptions` : '';
      console.log(`vote ${v.id} (${v.mode} ${v.kind}${v.source === 'postal' ? ', postal ballot' : ''}) "${v.title}": ${v.status}${extra}; ${counts} -> ${outcome}`);
      if (v.lot?.order) console.log(`  lot: drawers ${v.lot.drawers.join(', ')}, seed ${v.lot.seed}, order ${v.lot.order.join(' > ')}`);
    }
    for (const a of r.secret?.votes ?? []) console.log(`secret vote ${a.vote}: ${a.ok ? 'verified' : 'FAILED'} (${a.ballots} ballot proofs, ${a.partials} partial decryptions, sum and decryption re-computed)`);
    for (const x of s.rejected) console.log(`  rejected entry ${x.entry} (${x.kind}): ${x.reason}`);
  }
  return r.verdict === 'ok' ? 0 : r.verdict === 'pending' ? 3 : 1;
}

/** Seat allocation (GO NRW § 50 Abs. 3): JSON with one key per list; a tie is named, or drawn with --lot. */
function seats(args: string[]): number {
  const { values } = parseArgs({ args, options: { method: { type: 'string' }, seats: { type: 'string' }, votes: { type: 'string' }, lot: { type: 'string' } } });
  if (!values.method || !(METHODS as readonly string[]).includes(values.method)) throw new UsageError(`--method must be one of ${METHODS.join(', ')}`);
  if (!values.seats || !/^\d+$/.test(values.seats)) throw new UsageError('--seats needs a whole number');
  if (!values.votes) throw new UsageError('--votes needs LIST=VOTES pairs, e.g. "A=12,B=7,C=3"');
  let votes: Record<string, number>;
  try {
    votes = parseVotes(values.votes);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const r = allocate(values.method as Method, Number(values.seats), votes);
  if (r.tie && values.lot) {
    if (!/^[0-9a-f]{64}$/.test(values.lot)) throw new UsageError('--lot needs the 64-hex-digit seed of a verifiable lot');
    for (const list of draw(fromHex(values.lot, 32), r.tie.among).slice(0, r.tie.seats)) r.allocation[list]!++;
    console.error(`lot: ${r.tie.seats} seat(s) among ${r.tie.among.join(', ')} drawn with seed ${values.lot}`);
  } else if (r.tie) {
    console.error(`tie: ${r.tie.seats} seat(s) must be decided by lot among ${r.tie.among.join(', ')} (not included above; pass --lot SEED)`);
  }
  console.log(JSON.stringify(r.allocation));
  return 0;
}

/** ORG-1: master data from the council information system (relay/oparl/), previewed, then imported in one transaction. */
async function importOparlCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { tenant: { type: 'string' }, data: { type: 'string' }, store: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
  const source = positionals[0];
  if (!source) throw new UsageError('import-oparl needs a folder or an http(s) URL');
  if (!values.tenant) throw new UsageError('import-oparl needs --tenant');
  const dataDir = resolve(values.data ?? 'data');
  mkdirSync(dataDir, { recursive: true });
  const dbs = await openIdentityDatabases(dataDir, values.store);
  try {
    const r = await importOparl({ source, db: dbs.directory, tenant: values.tenant, dryRun: values['dry-run'], log: (line) => console.log(line) });
    return r.complete ? 0 : 1;
  } finally {
    await dbs.close();
  }
}

/** The compliance dossier (relay/dossier.ts): dossier.md and dossier.pdf in --out, from the last test run's JSON report. */
async function dossierCmd(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { report: { type: 'string', multiple: true }, bench: { type: 'string' }, requirements: { type: 'string' }, compliance: { type: 'string' }, out: { type: 'string' } } });
  if (!values.report?.length || !values.out) throw new UsageError('dossier needs --report (vitest run --reporter=json --outputFile=FILE; npm test writes test-results/vitest.json and vitest-alone.json) and --out DIR');
  const read = (file: string) => readFileSync(resolve(file), 'utf8');
  const d = dossier.buildDossier({
    requirements: dossier.parseRequirements(read(values.requirements ?? join(ROOT, 'docs/REQUIREMENTS.md'))),
    compliance: dossier.parseCompliance(read(values.compliance ?? join(ROOT, 'docs/compliance.md'))),
    run: dossier.mergeRuns(values.report.map((f) => dossier.parseVitestReport(JSON.parse(read(f)), ROOT))),
    reportName: values.report.join(', '),
    bench: values.bench ? { ...dossier.parseBench(JSON.parse(read(values.bench))), name: values.bench } : undefined,
  });
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const markdown = dossier.toMarkdown(d);
  writeFileSync(join(out, 'dossier.md'), markdown);
  writeFileSync(join(out, 'dossier.pdf'), await dossier.toPdf(markdown));
  const open = d.rows.filter((r) => !r.met).map((r) => r.req.id);
  console.log(`dossier: ${d.rows.length - open.length} of ${d.rows.length} requirements met, open: ${open.join(', ') || 'none'}; written to ${out}/dossier.md and dossier.pdf`);
  return 0;
}

/** DS-2: one retention run over a data folder; `--now` stands in for the wall clock (never beyond the witnessed time). */
async function retentionCmd(args: string[], list: boolean): Promise<number> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, store: { type: 'string' }, now: { type: 'string' }, tenant: { type: 'string' } } });
  const wall = values.now === undefined ? Date.now() : Date.parse(values.now);
  if (!Number.isFinite(wall)) throw new UsageError(`--now wants an ISO time, got '${values.now}'`);
  if (list && !values.tenant) throw new UsageError('deletions needs --tenant');
  const dataDir = resolve(values.data ?? process.env.RATSRAUM_DATA ?? 'data');
  const spec = values.store ?? process.env.RATSRAUM_STORE;
  if (!isPostgresUrl(spec) && !existsSync(join(dataDir, 'relay.sqlite'))) throw new UsageError(`no relay data in ${dataDir}`);
  const store = await openStore(dataDir, spec);
  const dbs = await openIdentityDatabases(dataDir, spec).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  const retention = new Retention({ dataDir, store, db: dbs.identity, clock: { wall: () => wall, mono: () => performance.now() }, log: (m) => console.error(m) });
  try {
    if (list) console.log(JSON.stringify(await retention.file(values.tenant!), null, 1));
    else for (const r of await retention.run()) console.log(JSON.stringify(r));
    return 0;
  } finally {
    await retention.close();
    await dbs.close();
    await store.close();
  }
}

async function verifyDeletionsCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'tenant-key': { type: 'string' } } });
  if (!positionals[0]) throw new UsageError('verify-deletions needs a file');
  let file: unknown;
  try {
    file = JSON.parse(readFileSync(positionals[0], 'utf8'));
  } catch (e) {
    console.error(`cannot read ${positionals[0]}: ${(e as Error).message}`);
    return 2;
  }
  const r = await verifyDeletions(file, values['tenant-key'] !== undefined ? { tenantKey: values['tenant-key'] } : {});
  console.log(`${r.verdict.toUpperCase()}: ${r.records} deletion records; deleted ${Object.entries(r.deleted).map(([k, n]) => `${k} ${n}`).join(', ') || 'nothing'}`);
  if (r.tenantKeyFingerprint) console.log(`tenant key fingerprint: ${r.tenantKeyFingerprint}${values['tenant-key'] === undefined ? ' (NOT CHECKED: pass --tenant-key)' : ''}; relay retention key: ${r.relayKeyFingerprint}`);
  for (const p of r.problems) console.log(`  problem: ${p}`);
  for (const p of r.pending) console.log(`  pending: ${p}`);
  return r.verdict === 'ok' ? 0 : r.verdict === 'pending' ? 3 : 1;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'start':
    case 'serve':
      await start(rest);
      return -1; // keeps running
    case 'tenant':
      return tenantCmd(rest);
    case 'export':
      await exportCmd(rest);
      return 0;
    case 'verify':
      return verify(rest);
    case 'minutes':
      return minutesCmd(rest);
    case 'seats':
      return seats(rest);
    case 'import-oparl':
      return importOparlCmd(rest);
    case 'retention':
      return retentionCmd(rest, false);
    case 'deletions':
      return retentionCmd(rest, true);
    case 'verify-deletions':
      return verifyDeletionsCmd(rest);
    case 'dossier':
      return dossierCmd(rest);
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e) => {
    console.error(e instanceof UsageError ? `${e.message}\n${USAGE}` : e);
    process.exit(2);
  },
);

/** AV-2: thresholds of relay/monitor.ts from the command line (or RATSRAUM_ALERT_SYNC_MS, …); unset ones keep their defaults. */
function monitorOptions(values: Record<string, unknown>): Partial<Thresholds> & { everyMs?: number } {
  const num = (flag: string, env: string): number | undefined => {
    const raw = (values[flag] as string | undefined) ?? process.env[env];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} wants a positive number, got '${raw}'`);
    return n;
  };
  const o = {
    syncLatencyMs: num('alert-sync-ms', 'RATSRAUM_ALERT_SYNC_MS'),
    fanoutMs: num('alert-delivery-ms', 'RATSRAUM_ALERT_DELIVERY_MS'),
    poorMembers: num('alert-poor-members', 'RATSRAUM_ALERT_POOR_MEMBERS'),
    windowMs: (num('alert-window-s', 'RATSRAUM_ALERT_WINDOW_S') ?? 0) * 1000 || undefined,
    everyMs: num('monitor-every-ms', 'RATSRAUM_MONITOR_EVERY_MS'),
  };
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
}

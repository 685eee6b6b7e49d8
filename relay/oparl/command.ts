/**
 * `ratsraum import-oparl <dir|url>`: walk the source, show what would change, and (unless a dry run,
 * or the walk was incomplete) apply it in one transaction.
 */
import type { Sql } from '../sql.js';
import { KINDS } from './model.js';
import type { Limits } from './source.js';
import { OparlStore, type Preview } from './store.js';
import { walk, type WalkWarning } from './walk.js';

export interface ImportOptions {
  /** A folder of OParl JSON files, or the http(s) URL of an OParl System (or Body). */
  source: string;
  db: Sql;
  tenant: string;
  dryRun?: boolean;
  log?: (line: string) => void;
  limits?: Partial<Limits>;
}

export interface ImportResult {
  preview: Preview;
  warnings: WalkWarning[];
  applied: boolean;
  /** False when a limit or a failed list page cut the walk short; nothing is applied then. */
  complete: boolean;
}

export async function importOparl(opts: ImportOptions): Promise<ImportResult> {
  const log = opts.log ?? (() => {});
  log(`reading OParl data from ${opts.source}`);
  const { model, warnings, complete, stats } = await walk(opts.source, { limits: opts.limits });
  log(`read ${stats.objects} objects on ${stats.pages} list pages (${stats.requests} requests) from system ${model.system}`);
  for (const w of warnings) log(`warning [${w.code}] ${w.url}: ${w.message}`);
  const store = new OparlStore(opts.db);
  let preview = await store.preview(opts.tenant, model);
  let applied = false;
  if (!complete) log('the source could not be read completely (see warnings): nothing written');
  else if (opts.dryRun) log('dry run: nothing written');
  else {
    preview = await store.apply(opts.tenant, model);
    applied = true;
  }
  for (const k of KINDS) {
    const c = preview.kinds[k].counts;
    log(`${k}: ${c.added} added, ${c.updated} updated, ${c.removed} removed, ${c.unchanged} unchanged`);
    for (const r of preview.kinds[k].removed) log(`  removed ${r.id}${r.deleted ? ' (deleted at the source)' : ''}`);
  }
  log(applied ? `imported into tenant ${opts.tenant} (${warnings.length} warnings)` : `would import into tenant ${opts.tenant} (${warnings.length} warnings)`);
  return { preview, warnings, applied, complete };
}

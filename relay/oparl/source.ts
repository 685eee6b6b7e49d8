/**
 * Where OParl JSON comes from: an endpoint over HTTP(S), or a folder of JSON files (a dump or mirror).
 *
 * Folder mapping: every *.json file below the folder is loaded (recursively). An object URL resolves to
 *   1. the file whose top-level object has that `id`, else
 *   2. the file whose path, without ".json", is the longest suffix of the URL's path and query
 *      (`https://ris.example/oparl/body/1/meetings` -> `body/1/meetings.json` or `oparl/body/1/meetings.json`),
 *   3. else an object with that `id` inside a list page's `data` (so objects need no file of their own).
 * List pages, which have no `id`, resolve by rule 2 (or by `links.self`, when the dump has it). The entry
 * point is `system.json` in the folder, else the first file holding a System object.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isRec } from './schema.js';

export interface Limits {
  /** List pages read in one import. */
  maxPages: number;
  /** Objects accepted in one import (embedded ones included). */
  maxObjects: number;
  /** Bytes of one HTTP response or one file. */
  maxBytes: number;
  /** Per HTTP request, until the whole body has arrived. */
  timeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = { maxPages: 20_000, maxObjects: 500_000, maxBytes: 32 * 1024 * 1024, timeoutMs: 30_000 };

export type Fetched =
  | { ok: true; json: unknown; repaired: number }
  | { ok: false; missing: true }
  | { ok: false; missing: false; error: string };

export interface Source {
  get(url: string): Promise<Fetched>;
  requests: number;
}

/** Escapes raw control characters inside JSON strings (invalid JSON that real endpoints send). */
export function repairJson(text: string): { text: string; count: number } {
  let out = '';
  let last = 0;
  let count = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!inString) {
      if (c === 0x22) inString = true;
    } else if (c === 0x5c) i++;
    else if (c === 0x22) inString = false;
    else if (c < 0x20) {
      const esc = c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : c === 0x09 ? '\\t' : `\\u${c.toString(16).padStart(4, '0')}`;
      out += text.slice(last, i) + esc;
      last = i + 1;
      count++;
    }
  }
  return { text: out + text.slice(last), count };
}

/** JSON.parse, repairing control characters only when the plain parse fails. */
export function parseJson(text: string): { json: unknown; repaired: number } {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { json: JSON.parse(t), repaired: 0 };
  } catch (e) {
    const r = repairJson(t);
    if (r.count === 0) throw e;
    return { json: JSON.parse(r.text), repaired: r.count };
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`response larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function httpSource(limits: Limits, fetchImpl: typeof fetch = globalThis.fetch): Source {
  const src: Source = {
    requests: 0,
    async get(url) {
      src.requests++;
      try {
        const res = await fetchImpl(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(limits.timeoutMs) });
        if (res.status === 404 || res.status === 410) {
          await res.body?.cancel();
          return { ok: false, missing: true };
        }
        if (!res.ok) {
          await res.body?.cancel();
          return { ok: false, missing: false, error: `HTTP ${res.status}` };
        }
        if (Number(res.headers.get('content-length')) > limits.maxBytes) {
          await res.body?.cancel();
          return { ok: false, missing: false, error: `response larger than ${limits.maxBytes} bytes` };
        }
        return { ok: true, ...parseJson(await readCapped(res, limits.maxBytes)) };
      } catch (e) {
        const err = e as Error;
        const error = err.name === 'TimeoutError' ? `no complete answer within ${limits.timeoutMs} ms` : err.message;
        return { ok: false, missing: false, error };
      }
    },
  };
  return src;
}

export interface FolderSource extends Source {
  /** URL of the System object (or of a Body when the folder has no System). */
  entry: string | undefined;
}

const typeName = (x: unknown): string | undefined => (isRec(x) && typeof x.type === 'string' ? x.type.split('/').pop() : undefined);

export async function folderSource(dir: string, limits: Limits, warn: (file: string, message: string) => void): Promise<FolderSource> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.toLowerCase().endsWith('.json')).sort();
  const topById = new Map<string, unknown>();
  const entryById = new Map<string, unknown>();
  const byPath = new Map<string, { json: unknown; repaired: number }>();
  let entry: string | undefined;
  let bodyEntry: string | undefined;
  for (const f of files) {
    const file = join(dir, f);
    if ((await stat(file)).size > limits.maxBytes) {
      warn(file, `file larger than ${limits.maxBytes} bytes skipped`);
      continue;
    }
    let parsed: { json: unknown; repaired: number };
    try {
      parsed = parseJson(await readFile(file, 'utf8'));
    } catch (e) {
      warn(file, `not JSON: ${(e as Error).message}`);
      continue;
    }
    const { json } = parsed;
    byPath.set('/' + f.slice(0, -'.json'.length).split(sep).join('/'), parsed);
    if (!isRec(json)) continue;
    if (typeof json.id === 'string') {
      topById.set(json.id, parsed);
      if (typeName(json) === 'System' && (entry === undefined || f === 'system.json')) entry = json.id;
      if (typeName(json) === 'Body') bodyEntry ??= json.id;
    }
    if (isRec(json.links) && typeof json.links.self === 'string') topById.set(json.links.self, parsed);
    if (Array.isArray(json.data))
      for (const d of json.data) if (isRec(d) && typeof d.id === 'string' && !entryById.has(d.id)) entryById.set(d.id, { json: d, repaired: 0 });
  }

  const bySuffix = (url: string) => {
    let key: string;
    try {
      const u = new URL(url);
      key = decodeURIComponent(u.pathname).replace(/\/+$/, '') + u.search;
    } catch {
      return undefined;
    }
    for (let i = 0; i < key.length; i++) if (key[i] === '/' && byPath.has(key.slice(i))) return byPath.get(key.slice(i));
    return undefined;
  };

  const src: FolderSource = {
    entry: entry ?? bodyEntry,
    requests: 0,
    async get(url) {
      src.requests++;
      const hit = (topById.get(url) ?? bySuffix(url) ?? entryById.get(url)) as { json: unknown; repaired: number } | undefined;
      return hit ? { ok: true, json: hit.json, repaired: hit.repaired } : { ok: false, missing: true };
    },
  };
  return src;
}

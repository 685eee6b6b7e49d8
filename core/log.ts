/**
 * The verified log of one meeting on one device: envelopes whose signatures were already checked,
 * indexed by id and by (doc, author, seq). It finds what the relay could hide (docs/PROTOCOL.md,
 * "Fold order"; DESIGN.md "The signed log"): a fork (two envelopes for one seq, or a prev that does not
 * match), a gap in an author's seq, a dependency we do not hold. It computes the one deterministic
 * topological order in which the fold applies entries.
 */
import { toHex } from '../crypto/bytes.js';
import type { Envelope } from '../crypto/envelope.js';
import type { DocName } from './entries.js';
import type { Frontier } from './wire.js';

export interface Fork {
  doc: string;
  author: string;
  seq: number;
  ids: string[];
}

interface Chain {
  doc: string;
  author: string; // hex
  bySeq: Map<number, Envelope>; // first envelope seen for each seq
  contiguous: number; // highest n with 1..n held and each prev matching
  forkAt: number; // lowest seq at which the author equivocated; Infinity if none
}

const predsCache = new WeakMap<Envelope, string[]>();

/** Ids of the envelopes an entry directly depends on (deduplicated): its author's previous one and its deps. */
export function preds(e: Envelope): string[] {
  let out = predsCache.get(e);
  if (!out) {
    out = e.deps.map(toHex);
    if (e.seq > 1 && !out.includes(toHex(e.prev))) out.push(toHex(e.prev));
    predsCache.set(e, out);
  }
  return out;
}

/** Order key: (hlc.wall, hlc.counter, id). */
export function before(a: Envelope, b: Envelope): boolean {
  if (a.hlc.wall !== b.hlc.wall) return a.hlc.wall < b.hlc.wall;
  if (a.hlc.counter !== b.hlc.counter) return a.hlc.counter < b.hlc.counter;
  return a.id < b.id;
}

/** Binary min-heap over envelopes by order key. */
class Heap {
  private readonly a: Envelope[] = [];
  get size(): number {
    return this.a.length;
  }
  push(e: Envelope): void {
    const a = this.a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Envelope {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Kahn's algorithm with a heap: among entries whose predecessors are all emitted, the smallest key next.
 * `external(id)` says whether a predecessor outside `set` counts as satisfied (send order) or blocks.
 */
export function topological(set: Envelope[], external: (id: string) => boolean): { ordered: Envelope[]; blocked: Envelope[] } {
  const byId = new Map(set.map((e) => [e.id, e]));
  const waiting = new Map<string, number>();
  const children = new Map<string, string[]>();
  const heap = new Heap();
  const blockedByOutside = new Set<string>();
  for (const e of set) {
    let n = 0;
    for (const p of preds(e)) {
      if (byId.has(p)) {
        n++;
        let c = children.get(p);
        if (!c) children.set(p, (c = []));
        c.push(e.id);
      } else if (!external(p)) blockedByOutside.add(e.id);
    }
    waiting.set(e.id, n);
    if (n === 0 && !blockedByOutside.has(e.id)) heap.push(e);
  }
  const ordered: Envelope[] = [];
  const emitted = new Set<string>();
  while (heap.size > 0) {
    const e = heap.pop();
    ordered.push(e);
    emitted.add(e.id);
    for (const c of children.get(e.id) ?? []) {
      const n = waiting.get(c)! - 1;
      waiting.set(c, n);
      if (n === 0 && !blockedByOutside.has(c)) heap.push(byId.get(c)!);
    }
  }
  return { ordered, blocked: set.filter((e) => !emitted.has(e.id)) };
}

export class Log {
  private readonly byId = new Map<string, Envelope>();
  private readonly chains = new Map<string, Chain>(); // key doc + ' ' + author hex
  private readonly forks = new Map<string, Fork>(); // key doc author seq
  private readonly refsAll = new Set<string>();
  private readonly refsPublic = new Set<string>();
  private readonly headsAll = new Set<string>();
  private readonly headsPublic = new Set<string>();
  /** The fold order as last computed, and each of its entries' place in it: kept while adds only extend it. */
  private cache: Envelope[] | undefined;
  private readonly place = new Map<string, number>();
  /** How often the order was computed from the start and how often an add only extended it. */
  readonly orderCounts = { computed: 0, extended: 0 };

  get size(): number {
    return this.byId.size;
  }
  has(id: string): boolean {
    return this.byId.has(id);
  }
  get(id: string): Envelope | undefined {
    return this.byId.get(id);
  }
  /** The envelope an author holds at seq in doc (first seen, if forked). */
  at(doc: string, author: string, seq: number): Envelope | undefined {
    return this.chains.get(`${doc} ${author}`)?.bySeq.get(seq);
  }
  all(): IterableIterator<Envelope> {
    return this.byId.values();
  }

  add(e: Envelope): 'added' | 'duplicate' | 'fork' {
    if (this.byId.has(e.id)) return 'duplicate';
    const author = toHex(e.author);
    const key = `${e.doc} ${author}`;
    let chain = this.chains.get(key);
    if (!chain) this.chains.set(key, (chain = { doc: e.doc, author, bySeq: new Map(), contiguous: 0, forkAt: Infinity }));
    const contiguousBefore = chain.contiguous;
    const unblocks = this.refsAll.has(e.id); // a held entry waited for this one: more than e may join the order
    this.byId.set(e.id, e);
    this.trackHeads(e);
    const held = chain.bySeq.get(e.seq);
    if (held) {
      this.recordFork(chain, e.doc, author, e.seq, [held.id, e.id]);
      this.forget();
      return 'fork';
    }
    chain.bySeq.set(e.seq, e);
    // A prev that names another envelope than the one we hold for seq-1 is equivocation at seq-1.
    const below = chain.bySeq.get(e.seq - 1);
    const above = chain.bySeq.get(e.seq + 1);
    let forked = false;
    if (e.seq > 1 && below && toHex(e.prev) !== below.id) {
      this.recordFork(chain, e.doc, author, e.seq - 1, [below.id, toHex(e.prev)]);
      forked = true;
    }
    if (above && toHex(above.prev) !== e.id) {
      this.recordFork(chain, e.doc, author, e.seq, [e.id, toHex(above.prev)]);
      forked = true;
    }
    for (let next = chain.bySeq.get(chain.contiguous + 1); next; next = chain.bySeq.get(chain.contiguous + 1)) {
      const prev = chain.bySeq.get(chain.contiguous);
      if (prev && toHex(next.prev) !== prev.id) break;
      chain.contiguous++;
    }
    if (forked || unblocks || chain.contiguous > Math.max(contiguousBefore, e.seq)) this.forget();
    else if (chain.contiguous === e.seq && e.seq < chain.forkAt) this.extendOrder(e);
    // else: e waits behind a gap in its chain or lies beyond a fork: not in the order, which stays as it is
    return forked ? 'fork' : 'added';
  }

  private forget(): void {
    this.cache = undefined;
    this.place.clear();
  }

  /**
   * Keeps the order computed when `e` (a new entry no held entry refers to) only adds to its end. Kahn's
   * algorithm becomes able to emit e right after its last predecessor; from there it emitted the rest of the
   * order, each the smallest available. If e's key is larger than each of theirs, none of those picks changes
   * and e comes last; otherwise the order is computed anew (e placed inside it: the fold then starts over,
   * core/incremental.ts). With a predecessor outside the order, e is not applicable and the order stays.
   */
  private extendOrder(e: Envelope): void {
    const order = this.cache;
    if (!order) return;
    let from = 0;
    for (const p of preds(e)) {
      const at = this.place.get(p);
      if (at === undefined) return;
      from = Math.max(from, at + 1);
    }
    for (let k = order.length - 1; k >= from; k--) if (!before(order[k]!, e)) return this.forget();
    this.place.set(e.id, order.length);
    this.cache = order.concat(e); // an order handed out earlier stays as it was
    this.orderCounts.extended++;
  }

  /** Swaps a held envelope for another object of the same id (the opened form of a sealed entry). */
  replace(e: Envelope): void {
    const held = this.byId.get(e.id);
    if (!held) return;
    this.byId.set(e.id, e);
    const chain = this.chains.get(`${e.doc} ${toHex(e.author)}`);
    if (chain?.bySeq.get(e.seq) === held) chain.bySeq.set(e.seq, e);
    this.forget();
  }

  private recordFork(chain: Chain, doc: string, author: string, seq: number, ids: string[]): void {
    chain.forkAt = Math.min(chain.forkAt, seq);
    const key = `${doc} ${author} ${seq}`;
    const f = this.forks.get(key);
    if (f) f.ids = [...new Set([...f.ids, ...ids])].sort();
    else this.forks.set(key, { doc, author, seq, ids: [...new Set(ids)].sort() });
  }

  private trackHeads(e: Envelope): void {
    if (!this.refsAll.has(e.id)) this.headsAll.add(e.id);
    if (e.doc === 'public' && !this.refsPublic.has(e.id)) this.headsPublic.add(e.id);
    for (const p of preds(e)) {
      this.refsAll.add(p);
      this.headsAll.delete(p);
      if (e.doc === 'public') {
        this.refsPublic.add(p);
        this.headsPublic.delete(p);
      }
    }
  }

  /** Heads of the DAG within docs: the public doc alone, or everything. */
  heads(docs: readonly DocName[]): Uint8Array[] {
    const ids = docs.includes('members') ? this.headsAll : this.headsPublic;
    return [...ids].sort().map((id) => this.byId.get(id)!.hash);
  }

  /** The highest contiguous seq held of one chain (0 if none): one entry of `frontier()`. */
  contiguous(doc: string, author: string): number {
    return this.chains.get(`${doc} ${author}`)?.contiguous ?? 0;
  }

  /** doc -> author -> highest contiguous seq held (for the frontier exchange). */
  frontier(): Frontier {
    const f: Record<string, Record<string, number>> = {};
    for (const chain of this.chains.values()) if (chain.contiguous > 0) (f[chain.doc] ??= {})[chain.author] = chain.contiguous;
    return f as Frontier;
  }

  /** doc -> author -> highest seq among the held envelopes `ids` (unknown ids are skipped). */
  frontierOf(ids: Iterable<string>): Frontier {
    const f: Record<string, Record<string, number>> = {};
    for (const id of ids) {
      const e = this.byId.get(id);
      if (!e) continue;
      const chains = (f[e.doc] ??= {});
      const author = toHex(e.author);
      chains[author] = Math.max(chains[author] ?? 0, e.seq);
    }
    return f as Frontier;
  }

  /** Envelopes the holder of `f` lacks (of `author`'s chains only, if given), in an order the relay accepts (predecessors first). */
  missingFor(f: Frontier, author?: string): Envelope[] {
    const out: Envelope[] = [];
    for (const chain of this.chains.values()) {
      if (author !== undefined && chain.author !== author) continue;
      const have = (f as Record<string, Record<string, number> | undefined>)[chain.doc]?.[chain.author] ?? 0;
      for (let seq = have + 1; seq <= chain.contiguous; seq++) out.push(chain.bySeq.get(seq)!);
    }
    return out.length > 1 ? topological(out, () => true).ordered : out;
  }

  /** Every held envelope in a send order (predecessors first): storage and export. */
  sendOrder(): Envelope[] {
    return topological([...this.byId.values()], () => true).ordered;
  }

  /** Entries the fold may apply, in THE deterministic order: whole causal past present, no fork. */
  ordered(): Envelope[] {
    if (this.cache) return this.cache;
    const applicable: Envelope[] = [];
    for (const chain of this.chains.values())
      for (const [seq, e] of chain.bySeq) if (seq <= chain.contiguous && seq < chain.forkAt) applicable.push(e);
    this.cache = topological(applicable, () => false).ordered;
    this.cache.forEach((e, i) => this.place.set(e.id, i));
    this.orderCounts.computed++;
    return this.cache;
  }

  integrity(): { forks: Fork[]; gaps: { doc: string; author: string; have: number; next: number }[]; danglingDeps: { entry: string; missing: string[] }[] } {
    const gaps = [];
    for (const chain of this.chains.values()) {
      const beyond = [...chain.bySeq.keys()].filter((s) => s > chain.contiguous);
      if (beyond.length === 0 || chain.forkAt <= chain.contiguous + 1) continue;
      gaps.push({ doc: chain.doc, author: chain.author, have: chain.contiguous, next: Math.min(...beyond) });
    }
    const danglingDeps = [];
    for (const e of this.byId.values()) {
      // A missing prev is a gap in the author's chain, reported above.
      const missing = e.deps.map(toHex).filter((d) => !this.byId.has(d));
      if (missing.length > 0) danglingDeps.push({ entry: e.id, missing: missing.sort() });
    }
    danglingDeps.sort((a, b) => (a.entry < b.entry ? -1 : 1));
    const forks = [...this.forks.values()].sort((a, b) => (a.author + a.doc + a.seq < b.author + b.doc + b.seq ? -1 : 1));
    return { forks, gaps, danglingDeps };
  }
}

/** Raises `into` to cover `f`, chain by chain (what another holder is known to hold only grows). */
export function raiseFrontier(into: Record<string, Record<string, number>>, f: Frontier): void {
  for (const [doc, chains] of Object.entries(f))
    for (const [author, seq] of Object.entries(chains ?? {})) {
      const k = (into[doc] ??= {});
      k[author] = Math.max(k[author] ?? 0, seq as number);
    }
}

/**
 * The minutes draft as this device edits it (MIN-2): a Yjs document holding exactly the members' `y` updates
 * the fold applied, so that every local change refers to content every device holds. A change to a text part
 * is written into Y.Map('minutes') at once and signed as one `y` entry when the typing pauses or the field is
 * left (the replica keeps it in IndexedDB, and the sync client sends it when the relay is reachable).
 */
import { createSignal } from 'solid-js';
import * as Y from 'yjs';
import type { Envelope } from '../../../crypto/envelope.js';
import { DRAFT_MAP } from '../../../core/minutes.js';
import type { Replica } from '../../../core/replica.js';
import type { SessionState } from '../../../core/state.js';

const LOCAL = Symbol('local');
const IDLE_MS = 800;

/** The `y` entries of the members document the fold applied, in fold order. */
function appliedDraftUpdates(ordered: readonly Envelope[], state: SessionState): Envelope[] {
  const rejected = new Set(state.rejected.map((r) => r.entry));
  return ordered.filter((e) => e.kind === 'y' && e.doc === 'members' && !rejected.has(e.id));
}

/** The smallest splice that turns `a` into `b`: common prefix and suffix kept. */
export function splice(a: string, b: string): { at: number; remove: number; insert: string } {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  return { at: start, remove: a.length - start - end, insert: b.slice(start, b.length - end) };
}

export class DraftDoc {
  private doc = new Y.Doc();
  private held = new Set<string>(); // ids of the applied updates in `doc`
  private pending: Uint8Array[] = [];
  /** Text parts this device created, with what they read: a concurrent creation elsewhere may replace them. */
  private created = new Map<string, Y.Text>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly version = createSignal(0);
  readonly unsent = createSignal(false);

  constructor(private readonly replica: Replica) {
    this.listen();
  }

  private listen(): void {
    this.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === LOCAL) this.pending.push(u);
    });
    this.doc.on('afterTransaction', () => this.version[1]((n) => n + 1));
  }

  /** Follows the fold: new applied updates are added; when the fold dropped one this document holds, it is rebuilt. */
  sync(state: SessionState): void {
    const updates = appliedDraftUpdates(this.replica.log.ordered(), state);
    const ids = new Set(updates.map((e) => e.id));
    if ([...this.held].some((id) => !ids.has(id))) {
      this.doc.destroy();
      this.doc = new Y.Doc(); // a fresh client id: the dropped updates may have used clocks of the old one
      this.held = new Set();
      this.pending = [];
      this.created = new Map();
      this.listen();
    }
    const before = new Map([...this.created].map(([key, text]) => [key, text.toString()]));
    Y.transact(this.doc, () => {
      for (const e of updates) if (!this.held.has(e.id)) Y.applyUpdate(this.doc, e.payload);
    });
    this.held = ids;
    this.rescue(before);
  }

  /**
   * Two editors who both start a text part offline each create its Y.Text; the map keeps one of them on every
   * device. The editor whose text lost writes it again into the one that stays, so nothing typed is lost.
   */
  private rescue(before: Map<string, string>): void {
    const map = this.doc.getMap<Y.Text>(DRAFT_MAP);
    const lost = [...this.created].filter(([key, text]) => map.get(key) !== text);
    if (lost.length === 0) return;
    Y.transact(
      this.doc,
      () => {
        for (const [key] of lost) {
          this.created.delete(key);
          const text = before.get(key) ?? '';
          const kept = map.get(key);
          if (!text || !(kept instanceof Y.Text) || kept.toString().includes(text)) continue;
          kept.insert(kept.length, kept.length > 0 ? `\n${text}` : text);
        }
      },
      LOCAL,
    );
    this.schedule();
  }

  private schedule(): void {
    this.unsent[1](this.pending.length > 0);
    clearTimeout(this.timer);
    if (this.pending.length > 0) this.timer = setTimeout(() => void this.flush(), IDLE_MS);
  }

  text(key: string): string {
    this.version[0]();
    const v = this.doc.getMap<unknown>(DRAFT_MAP).get(key);
    return v instanceof Y.Text ? v.toString() : '';
  }

  /** The text part `key` now reads `value`; signed once typing pauses. */
  set(key: string, value: string): void {
    const map = this.doc.getMap<Y.Text>(DRAFT_MAP);
    Y.transact(
      this.doc,
      () => {
        const text = map.get(key);
        if (!(text instanceof Y.Text)) return void this.created.set(key, map.set(key, new Y.Text(value)));
        const d = splice(text.toString(), value);
        if (d.remove > 0) text.delete(d.at, d.remove);
        if (d.insert) text.insert(d.at, d.insert);
      },
      LOCAL,
    );
    this.schedule();
  }

  /** Signs what was typed since the last entry as one `y` entry of the members document. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    if (this.pending.length === 0) return;
    const update = Y.mergeUpdates(this.pending);
    this.pending = [];
    await this.replica.createY(update, 'members');
    this.unsent[1](this.pending.length > 0);
  }

  stop(): void {
    void this.flush();
    this.doc.destroy();
  }
}

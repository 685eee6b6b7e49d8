/**
 * The fold kept between changes (docs/PROTOCOL.md "Incremental fold"): a device keeps the fold's context (state,
 * indexes, Yjs documents) of the order it last folded. When the log's order still begins with exactly the entries
 * already applied, only the new tail is applied on top; an entry that lands inside the order (a late or offline
 * one), or a change of what judges entries (certificate versions, content keys held), folds anew from the start.
 * Either way the result is the full fold's, byte for byte (test/core/incremental.test.ts).
 */
import type { Envelope } from '../crypto/envelope.js';
import { type CertLookup, Context, finish, type Opener } from './fold.js';
import { copyKeeping } from './copy-keeping.js';
import type { SessionState } from './state.js';

export interface FoldCounts {
  /** Folds from the start (first fold, an entry inside the order, another basis). */
  full: number;
  /** Folds that applied only entries after the kept order. */
  extended: number;
  /** Entries applied in all. */
  applied: number;
}

export class Folder {
  private ctx: Context | undefined;
  private ids: string[] = [];
  private basis = '';
  private orderEpoch: number | undefined;
  private out: SessionState | undefined; // the state handed out last: its unchanged parts are handed out again
  readonly counts: FoldCounts = { full: 0, extended: 0, applied: 0 };

  /**
   * The state of `ordered` (the log's fold order). `basis` names everything else the fold reads (which
   * certificate versions and content keys are held): when it differs from the last fold's, nothing is kept.
   * `orderEpoch`, if given, names the computation of the order: under the same epoch the order has only grown at
   * its end (core/log.ts keeps it so), and the entries applied so far are not compared again.
   */
  fold(ordered: readonly Envelope[], certs: CertLookup, meetingRef: string, opener: Opener | undefined, basis: string, orderEpoch?: number): SessionState {
    const grown = orderEpoch !== undefined && orderEpoch === this.orderEpoch && ordered.length >= this.ids.length;
    this.orderEpoch = orderEpoch;
    if (!this.ctx || basis !== this.basis || !(grown || this.extends(ordered))) {
      this.ctx = new Context(certs, meetingRef, opener);
      this.ids = [];
      this.basis = basis;
      this.counts.full++;
    } else this.counts.extended++;
    for (let i = this.ids.length; i < ordered.length; i++) {
      const e = ordered[i]!;
      this.ctx.apply(e);
      this.ids.push(e.id);
      this.counts.applied++;
    }
    // The kept state goes on changing with the next entries; what is handed out must not.
    // A new object after every fold, even an unchanged one: readers tell a fold from a beacon by identity (web/session.ts).
    this.out = { ...copyKeeping(this.out, finish(this.ctx)) };
    return this.out;
  }

  /** Whether `ordered` begins with exactly the entries applied so far, in their order. */
  private extends(ordered: readonly Envelope[]): boolean {
    if (ordered.length < this.ids.length) return false;
    for (let i = this.ids.length - 1; i >= 0; i--) if (ordered[i]!.id !== this.ids[i]) return false;
    return true;
  }
}

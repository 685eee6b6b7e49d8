/**
 * Envelope signatures checked in Web Workers on all cores (a fresh device loading a whole log): batches go to
 * `size` workers (navigator.hardwareConcurrency) a chunk at a time. A worker that fails to start or errors is
 * dropped and its chunk, like everything left when no worker remains, is checked on the main thread. Small
 * batches (a live meeting's single entries) stay on the main thread: starting a worker costs more.
 */
import type { Envelope } from '../crypto/envelope.js';
import * as envelope from '../crypto/envelope.js';
import type { VerifyAnswer, VerifyRequest } from './verify.worker.js';

export interface PoolOptions {
  spawn: () => Worker;
  size?: number;
  /** Batches below this many envelopes are checked on the main thread. */
  min?: number;
  chunk?: number;
}

interface Live {
  worker: Worker;
  busy: { id: number; envs: Envelope[]; done: (ok: boolean[]) => void } | null;
}

export class VerifyPool {
  /** Envelopes checked in workers and on the main thread, and workers that failed (tests and the bench read them). */
  readonly stats = { inWorkers: 0, onMain: 0, failed: 0 };
  private live: Live[] | undefined;
  private next = 0;
  private readonly size: number;
  private readonly min: number;
  private readonly chunk: number;
  private queue: { envs: Envelope[]; done: (ok: boolean[]) => void }[] = [];

  constructor(private readonly opts: PoolOptions) {
    this.size = Math.max(1, opts.size ?? globalThis.navigator?.hardwareConcurrency ?? 1);
    this.min = opts.min ?? 256;
    this.chunk = opts.chunk ?? 500;
  }

  /** Verdicts in the order of `envs`, each as envelope.verifySignature gives it. */
  verify = async (envs: Envelope[]): Promise<boolean[]> => {
    if (envs.length < this.min || typeof Worker === 'undefined') return this.here(envs);
    const parts: Promise<boolean[]>[] = [];
    for (let i = 0; i < envs.length; i += this.chunk) {
      const part = envs.slice(i, i + this.chunk);
      parts.push(new Promise((done) => this.queue.push({ envs: part, done })));
    }
    this.start();
    this.dispatch();
    return (await Promise.all(parts)).flat();
  };

  close(): void {
    for (const l of this.live ?? []) l.worker.terminate();
    this.live = [];
  }

  private async here(envs: Envelope[]): Promise<boolean[]> {
    this.stats.onMain += envs.length;
    return Promise.all(envs.map((e) => envelope.verifySignature(e)));
  }

  private start(): void {
    if (this.live) return;
    this.live = [];
    for (let i = 0; i < this.size; i++) {
      let worker: Worker;
      try {
        worker = this.opts.spawn();
      } catch {
        this.stats.failed++;
        continue;
      }
      const l: Live = { worker, busy: null };
      worker.onmessage = (m: MessageEvent<VerifyAnswer>) => {
        const job = l.busy;
        if (!job || m.data?.id !== job.id || !Array.isArray(m.data.ok) || m.data.ok.length !== job.envs.length) return this.fail(l);
        l.busy = null;
        this.stats.inWorkers += job.envs.length;
        job.done(m.data.ok.map((x) => x === true));
        this.dispatch();
      };
      worker.onerror = (e) => {
        e.preventDefault?.();
        this.fail(l);
      };
      worker.onmessageerror = () => this.fail(l);
      this.live.push(l);
    }
  }

  /** Drops a worker; what it held, and with no worker left everything queued, is checked here. */
  private fail(l: Live): void {
    if (!this.live?.includes(l)) return;
    this.live = this.live.filter((x) => x !== l);
    this.stats.failed++;
    console.warn(`verify: a worker failed, ${this.live.length} left; its envelopes are checked on the main thread`);
    l.worker.terminate();
    if (l.busy) void this.here(l.busy.envs).then(l.busy.done);
    l.busy = null;
    this.dispatch();
  }

  private dispatch(): void {
    if (this.live?.length === 0) {
      for (const job of this.queue.splice(0)) void this.here(job.envs).then(job.done);
      return;
    }
    for (const l of this.live ?? []) {
      if (l.busy) continue;
      const job = this.queue.shift();
      if (!job) return;
      l.busy = { ...job, id: this.next++ };
      l.worker.postMessage({ id: l.busy.id, wires: job.envs.map((e) => e.wire), authors: job.envs.map((e) => e.author) } satisfies VerifyRequest);
    }
  }
}

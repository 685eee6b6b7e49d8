/**
 * The relay's own fold of a meeting with a video room: a Replica without signer over the public document,
 * fed with the stored envelopes and the tenant's certificates, and every envelope stored afterwards. Room
 * orders reach Janus only from this state, so an order the fold rejects (signed by a non-chair, say) is
 * stored by the relay yet never carried out.
 */
import { fromHex } from '../../crypto/bytes.js';
import type { Envelope } from '../../crypto/envelope.js';
import { Replica } from '../../core/replica.js';
import type { SessionState } from '../../core/state.js';
import type { Store } from '../store.js';

const PAGE = 256;

export class MeetingState {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: Store,
    readonly replica: Replica,
  ) {}

  static async load(store: Store, tenant: string, meeting: string): Promise<MeetingState> {
    const key = await store.tenantKey(tenant);
    if (!key) throw new Error(`video: unknown tenant '${tenant}'`);
    const replica = new Replica({ tenant, meeting, tenantKey: fromHex(key, 32), docs: ['public'] });
    await replica.addCerts(await store.certs(tenant));
    for (let after = 0; ; ) {
      const rows = await store.page(tenant, meeting, after, PAGE);
      await replica.receive(rows.filter((r) => r.doc === 'public').map((r) => r.wire));
      if (rows.length < PAGE) break;
      after = rows.at(-1)!.n;
    }
    return new MeetingState(store, replica);
  }

  get state(): SessionState {
    return this.replica.state;
  }

  /** An envelope the relay stored; its author's certificate versions come along (a device enrolled since). */
  add(env: Envelope): Promise<void> {
    if (env.doc !== 'public') return Promise.resolve();
    const r = this.replica;
    const run = async () => {
      await r.addCerts(await this.store.certHistory(r.tenant, Buffer.from(env.author).toString('hex')));
      await r.receive([env.wire]);
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }

  onChange(f: () => void): () => void {
    return this.replica.onChange(f);
  }
}

/**
 * DS-2: the tenant's retention periods (in days) and the relay's retention key, which saving certifies
 * (`retention.save` names it, signed by the tenant key in this browser), with the deletion records made so far.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import { fromHex } from '../../../crypto/bytes.js';
import { fingerprint } from '../../../crypto/hash.js';
import { type Periods, RETENTION_KINDS, type RetentionKind } from '../../../core/retention.js';
import { type MessageKey, t } from '../../i18n/index.js';
import { type AdminContext, Outcome } from './Admin.js';

interface View {
  periods: Periods;
  relayKey: string;
  certified: boolean;
  records: { body: { kind: RetentionKind; count: number; from: number; to: number; now: number } }[];
}

const DAY = 24 * 60;
const days = (minutes: number) => String(Math.round((minutes / DAY) * 1000) / 1000);
const when = (ms: number) => new Date(ms).toLocaleString('de-DE', { timeZone: 'Europe/Berlin' });

export function RetentionView(props: { ctx: AdminContext }) {
  const [view, { refetch }] = createResource(() => props.ctx.call<View>('retention'));
  const [draft, setDraft] = createSignal<Partial<Record<RetentionKind, string>>>({});
  const [status, setStatus] = createSignal<{ ok: boolean; text: string }>();
  const [busy, setBusy] = createSignal(false);
  const save = async (v: View) => {
    setBusy(true);
    setStatus(undefined);
    try {
      const periods: Partial<Periods> = {};
      for (const [k, d] of Object.entries(draft()) as [RetentionKind, string][]) periods[k] = Math.round(Number(d.replace(',', '.')) * DAY);
      await props.ctx.call('retention.save', { periods, relayKey: v.relayKey });
      setDraft({});
      setStatus({ ok: true, text: t('retention.saved') });
      void refetch();
    } catch (e) {
      setStatus({ ok: false, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="retention-h">
      <h2 id="retention-h">{t('retention.heading')}</h2>
      <p>{t('retention.hint')}</p>
      <Show when={view()}>
        {(v) => (
          <>
            <p class={v().certified ? 'ok' : 'alert'} data-testid="retention-key">
              {t(v().certified ? 'retention.certified' : 'retention.uncertified', { fp: fingerprint(fromHex(v().relayKey, 32)) })}
            </p>
            <form
              class="settings"
              onSubmit={(e) => {
                e.preventDefault();
                void save(v());
              }}
            >
              <For each={RETENTION_KINDS}>
                {(k) => (
                  <div class="field">
                    <label for={`retention-${k}`}>{t(`retention.kind.${k}` as MessageKey)}</label>
                    <input id={`retention-${k}`} name={k} type="text" inputMode="decimal" value={draft()[k] ?? days(v().periods[k])} onInput={(e) => setDraft({ ...draft(), [k]: e.currentTarget.value })} />
                  </div>
                )}
              </For>
              <button type="submit" class="primary" disabled={busy()} aria-busy={busy()} aria-describedby="retention-outcome">
                {t('retention.save')}
              </button>
              <Outcome id="retention-outcome" status={status()} />
            </form>
            <h3>{t('retention.records')}</h3>
            <Show when={v().records.length} fallback={<p class="muted">{t('retention.none')}</p>}>
              <ul data-testid="retention-records">
                <For each={[...v().records].reverse().slice(0, 50)}>
                  {(r) => <li>{t('retention.record', { when: when(r.body.now), kind: t(`retention.kind.${r.body.kind}` as MessageKey), count: String(r.body.count), from: when(r.body.from), to: when(r.body.to) })}</li>}
                </For>
              </ul>
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}

/** The chair names the trustees of the meeting key for secret ballots and sees the key generation progress. */
import { createSignal, For, Show } from 'solid-js';
import { randomBytes, toHex } from '../../crypto/bytes.js';
import { MIN_THRESHOLD } from '../../core/rules/secret.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { personName } from './names.js';

export function KeySetup(props: { s: Session }) {
  const s = props.s;
  const st = () => s.state();
  const key = () => st().keys.filter((k) => k.status !== 'failed').at(-1) ?? st().keys.at(-1);
  const [trustees, setTrustees] = createSignal<string[]>([]);
  const [threshold, setThreshold] = createSignal(MIN_THRESHOLD);
  const n = () => trustees().length;
  const needed = () => Math.max(MIN_THRESHOLD, Math.min(threshold(), n()));
  const toggle = (id: string, on: boolean) => setTrustees((x) => (on ? [...x, id] : x.filter((y) => y !== id)));
  const canMake = () => !st().keys.some((k) => k.status !== 'failed');
  return (
    <div class="stack" data-testid="key-setup">
      <h3>{t('chair.keyHeading')}</h3>
      <Show when={key()}>
        {(k) => (
          <p data-key-status={k().status} class={k().status === 'failed' ? 'alert' : k().status === 'ready' ? 'ok' : ''} aria-live="polite">
            {k().status === 'ready'
              ? t('chair.key.ready', { t: k().threshold, n: k().trustees.length })
              : k().status === 'failed'
                ? t('chair.key.failed', { problem: k().problem ?? '' })
                : t('chair.key.setup', { committed: k().committed.length, n: k().trustees.length, dealt: k().dealt.length, ok: k().acknowledged.length })}
          </p>
        )}
      </Show>
      <Show when={key()?.status !== 'failed' && key()}>
        {(k) => <p class="muted">{k().trustees.map((p) => personName(st(), p)).join(', ')}</p>}
      </Show>
      <Show when={canMake()}>
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            if (n() < MIN_THRESHOLD) return;
            void s.act('key.setup', { key: `k-${toHex(randomBytes(4))}`, trustees: trustees(), threshold: needed() });
          }}
        >
          <fieldset>
            <legend>{t('chair.trustees')}</legend>
            <div class="checks">
              <For each={st().persons.filter((p) => p.voting)}>
                {(p) => (
                  <label>
                    <input type="checkbox" data-trustee={p.id} checked={trustees().includes(p.id)} onChange={(e) => toggle(p.id, e.currentTarget.checked)} /> {p.name}
                  </label>
                )}
              </For>
            </div>
          </fieldset>
          <label for="key-threshold">{t('chair.threshold')}</label>
          <input id="key-threshold" type="number" min={MIN_THRESHOLD} max={Math.max(MIN_THRESHOLD, n())} value={needed()} onInput={(e) => setThreshold(Number(e.currentTarget.value) || MIN_THRESHOLD)} />
          <p class="muted" data-testid="key-threshold-meaning" aria-live="polite">
            {n() < MIN_THRESHOLD ? t('chair.keyTooFew', { min: MIN_THRESHOLD }) : t('chair.keyHint', { t: needed(), n: n() })}
          </p>
          <button type="submit" disabled={n() < MIN_THRESHOLD}>
            {t('chair.makeKey')}
          </button>
        </form>
      </Show>
    </div>
  );
}

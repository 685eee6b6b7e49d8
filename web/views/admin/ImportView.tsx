/** OParl import (ORG-1): preview what would change, then import; warnings about the source listed. */
import { createSignal, For, Show } from 'solid-js';
import { known } from '../../i18n/codes.js';
import { lang, type MessageKey, t } from '../../i18n/index.js';
import type { AdminContext } from './Admin.js';

interface Result {
  applied: boolean;
  complete: boolean;
  preview: { kinds: Record<string, { counts: { added: number; updated: number; removed: number; unchanged: number } }>; total: { added: number; updated: number; removed: number; unchanged: number } };
  warnings: { code: string; url: string; message: string }[];
}

const KINDS = ['bodies', 'organizations', 'persons', 'memberships', 'meetings', 'agendaItems'];
const warning = (code: string) => (known(`import.warn.${code}`) ? t(`import.warn.${code}` as MessageKey) : code);

export function ImportView(props: { ctx: AdminContext }) {
  const [source, setSource] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const [result, setResult] = createSignal<Result>();
  const run = async (action: 'oparl.preview' | 'oparl.import') => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await props.ctx.call<Result>(action, { source: source().trim() }));
      if (action === 'oparl.import') props.ctx.reload();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="import-h">
      <h2 id="import-h">{t('admin.tab.import')}</h2>
      <p>{t('import.hint')}</p>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run('oparl.preview');
        }}
      >
        <label for="oparl-source">{t('import.source')}</label>
        <input id="oparl-source" type="text" required size={50} value={source()} onInput={(e) => setSource(e.currentTarget.value)} />
        <button type="submit" disabled={busy()} aria-busy={busy()}>
          {t('import.preview')}
        </button>
      </form>
      <Show when={error()}>
        <p class="alert" role="alert">
          {error()}
        </p>
      </Show>
      <Show when={result()}>
        {(r) => (
          <div data-testid="import-result">
            <p role="status" class={r().applied ? 'ok' : ''}>
              {r().applied ? t('import.done') : r().complete ? t('import.previewed') : t('import.incomplete')}
            </p>
            {/* Focusable, so the table can be scrolled from the keyboard on narrow screens. */}
            <div class="scroll" tabindex="0" role="region" aria-label={t('import.changes')}>
              <table>
                <caption>{t('import.changes')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('import.kind')}</th>
                    <th scope="col">{t('import.added')}</th>
                    <th scope="col">{t('import.updated')}</th>
                    <th scope="col">{t('import.removed')}</th>
                    <th scope="col">{t('import.unchanged')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={KINDS}>
                    {(k) => (
                      <tr data-kind={k}>
                        <th scope="row">{t(`import.kind.${k}` as MessageKey)}</th>
                        <td>{r().preview.kinds[k]?.counts.added}</td>
                        <td>{r().preview.kinds[k]?.counts.updated}</td>
                        <td>{r().preview.kinds[k]?.counts.removed}</td>
                        <td>{r().preview.kinds[k]?.counts.unchanged}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <Show when={!r().applied && r().complete}>
              <button type="button" class="primary" disabled={busy()} onClick={() => void run('oparl.import')}>
                {t('import.apply')}
              </button>
            </Show>
            <Show when={r().warnings.length > 0}>
              <details>
                <summary>{t('import.warnings', { n: r().warnings.length })}</summary>
                <ul class="warnings">
                  <For each={r().warnings.slice(0, 200)}>
                    {(w) => (
                      <li data-code={w.code}>
                        {warning(w.code)}: <span class="mono">{w.url}</span>
                        {/* The walker's detail is English; German mode shows the label only. */}
                        <Show when={lang() === 'en'}> – {w.message}</Show>
                      </li>
                    )}
                  </For>
                </ul>
              </details>
            </Show>
          </div>
        )}
      </Show>
    </section>
  );
}

/** The tenant's settings (DS-1, SEC-2): the values the privacy and security texts name, and which are still missing. */
import { createSignal, For, Show } from 'solid-js';
import { known } from '../../i18n/codes.js';
import { type MessageKey, t } from '../../i18n/index.js';
import { type AdminContext, Outcome } from './Admin.js';

export interface SettingsData {
  names: string[];
  values: Record<string, string>;
  missing: string[];
}

// A name the municipality's own texts introduced has no label of ours: it is shown as written there.
const label = (name: string) => (known(`settings.field.${name}`) ? t(`settings.field.${name}` as MessageKey) : name);

export function SettingsView(props: { ctx: AdminContext }) {
  const s = () => props.ctx.data()?.settings;
  const [draft, setDraft] = createSignal<Record<string, string>>({});
  const [status, setStatus] = createSignal<{ ok: boolean; text: string }>();
  const [busy, setBusy] = createSignal(false);
  const value = (n: string) => draft()[n] ?? s()?.values[n] ?? '';
  const save = async () => {
    setBusy(true);
    setStatus(undefined);
    try {
      const changes = Object.fromEntries(Object.entries(draft()).filter(([n, v]) => v.trim() !== (s()?.values[n] ?? '')));
      if (Object.keys(changes).length === 0) return setStatus({ ok: true, text: t('settings.unchanged') });
      await props.ctx.call('settings.save', changes);
      setDraft({});
      setStatus({ ok: true, text: t('settings.saved') });
      props.ctx.reload();
    } catch (e) {
      setStatus({ ok: false, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="settings-h">
      <h2 id="settings-h">{t('admin.tab.settings')}</h2>
      <p>{t('settings.hint')}</p>
      <Show when={s()}>
        {(v) => (
          <p class={v().missing.length ? 'alert' : 'ok'} data-testid="settings-missing">
            {v().missing.length ? t('settings.missing', { names: v().missing.map(label).join(', ') }) : t('settings.complete')}
          </p>
        )}
      </Show>
      <form
        class="settings"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <For each={s()?.names ?? []}>
          {(n) => (
            <div class="field">
              <label for={`setting-${n}`}>{label(n)}</label>
              <input id={`setting-${n}`} name={n} type="text" maxLength={300} value={value(n)} onInput={(e) => setDraft({ ...draft(), [n]: e.currentTarget.value })} />
            </div>
          )}
        </For>
        <button type="submit" class="primary" disabled={busy()} aria-busy={busy()} aria-describedby="settings-outcome">
          {t('settings.save')}
        </button>
        <div id="settings-outcome">
          <Outcome status={status()} />
        </div>
      </form>
    </section>
  );
}

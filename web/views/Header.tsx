/** Top bar: app name, connection status (announced to screen readers), language switch. */
import { type Accessor, Show } from 'solid-js';
import { lang, setLang, t } from '../i18n/index.js';
import type { SyncStatus } from '../sync/client.js';

export function Header(props: { status?: Accessor<SyncStatus>; who?: string }) {
  return (
    <header class="topbar">
      <a class="skip" href="#main">
        {t('skipToContent')}
      </a>
      <span class="brand">{t('appName')}</span>
      <Show when={props.who}>
        <span class="who">{props.who}</span>
      </Show>
      <Show when={props.status}>
        {(status) => (
          <span class={`badge status-${status()()}`} role="status" aria-live="polite" aria-label={t('status.label')}>
            {t(`status.${status()()}`)}
          </span>
        )}
      </Show>
      <button type="button" class="lang" lang={lang() === 'de' ? 'en' : 'de'} onClick={() => setLang(lang() === 'de' ? 'en' : 'de')}>
        {t('switchTo')}
      </button>
    </header>
  );
}

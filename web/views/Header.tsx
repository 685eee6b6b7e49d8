/** Top bar: app name, connection status (announced to screen readers), language switch; the update prompt. */
import { type Accessor, Show } from 'solid-js';
import { lang, setLang, t } from '../i18n/index.js';
import { applyUpdate, install, installable, updateReady } from '../pwa.js';
import type { Reach } from '../session.js';

/** `reach`: the badge; without a relay but with data channels to other devices it says the session still runs (DIS-5). */
export function Header(props: { reach?: Accessor<Reach>; who?: string }) {
  return (
    <>
      <header class="topbar">
        <a class="skip" href="#main">
          {t('skipToContent')}
        </a>
        <span class="brand">{t('appName')}</span>
        <Show when={props.who}>
          <span class="who">{props.who}</span>
        </Show>
        <Show when={props.reach}>
          {(reach) => (
            <span class={`badge status-${reach()()}`} role="status" aria-live="polite" aria-label={t('status.label')}>
              {t(`status.${reach()()}`)}
            </span>
          )}
        </Show>
        <Show when={installable()}>
          <button type="button" class="onbar" onClick={install}>
            {t('install')}
          </button>
        </Show>
        <button type="button" class="onbar" lang={lang() === 'de' ? 'en' : 'de'} onClick={() => setLang(lang() === 'de' ? 'en' : 'de')}>
          {t('switchTo')}
        </button>
      </header>
      <Show when={updateReady()}>
        <div class="update" role="status" data-testid="update">
          <span>
            {t('updateReady')}. {t('updateHint')}
          </span>
          <button type="button" onClick={applyUpdate}>
            {t('reload')}
          </button>
        </div>
      </Show>
    </>
  );
}

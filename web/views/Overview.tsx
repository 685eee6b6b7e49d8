/** Meeting title, session state, current item (or the bare fact of a non-public part), quorum. */
import { Show } from 'solid-js';
import { lang, t } from '../i18n/index.js';
import type { Session } from '../session.js';

export function Overview(props: { s: Session }) {
  const st = () => props.s.state();
  const item = () => st().agenda.find((i) => i.id === st().currentItem);
  // The public document only says that some item is current; a public client cannot see a non-public one.
  const hiddenItem = () => st().nonPublicPart && !item();
  return (
    <section class="card overview" aria-labelledby="meeting-title">
      <h1 id="meeting-title">{st().meeting?.title ?? t('noMeeting')}</h1>
      <p class="muted">
        {st().body?.name} <Show when={st().meeting}>· {st().meeting!.place}</Show>
      </p>
      <Show when={st().meeting}>
        {(m) => (
          <p class="muted" data-format={m().format}>
            {t(`format.${m().format}`)} – {lang() === 'de' ? m().legal.de : m().legal.en}
          </p>
        )}
      </Show>
      <p>
        <span class={`pill session-${st().session}`}>{t(`session.${st().session}`)}</span>
      </p>
      <p>
        <strong>{t('currentItem')}: </strong>
        <Show when={item()} fallback={hiddenItem() ? t('nonPublicRunning') : t('noCurrentItem')}>
          TOP {item()!.no} – {item()!.title}
          <Show when={!item()!.public}> ({t('nonPublic')})</Show>
        </Show>
      </p>
      <p class={st().quorum.quorate ? 'ok' : 'warn'} aria-live="polite">
        <strong>
          {t('quorum')}: {st().quorum.quorate ? t('quorate') : t('notQuorate')}
        </strong>{' '}
        – {t('quorumDetail', { present: st().quorum.present, statutory: st().quorum.statutory, needed: st().quorum.needed })}
      </p>
    </section>
  );
}

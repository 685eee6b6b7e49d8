/** Meeting title, date and time, session state, current item (or the bare fact of a non-public part), quorum, declared conflicts. */
import { For, Show } from 'solid-js';
import { lang, t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { personName } from './names.js';

export const when = (ms: number) => new Date(ms).toLocaleString(lang() === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'full', timeStyle: 'short' });

export function Overview(props: { s: Session }) {
  const st = () => props.s.state();
  const item = () => st().agenda.find((i) => i.id === st().currentItem);
  // The public document only says that some item is current; a public client cannot see a non-public one.
  const hiddenItem = () => st().nonPublicPart && !item();
  // Conflicts by item, as the state holds them: the public sees those in its document (public items).
  const conflicts = () => {
    const byItem = new Map<string, string[]>();
    for (const c of st().conflicts) byItem.set(c.item, [...(byItem.get(c.item) ?? []), personName(st(), c.person)]);
    return [...byItem].map(([id, names]) => ({ no: st().agenda.find((i) => i.id === id)?.no ?? id, names }));
  };
  return (
    <section class="card overview" aria-labelledby="meeting-title">
      <h1 id="meeting-title">{st().meeting?.title ?? t('noMeeting')}</h1>
      <p class="muted">
        {st().body?.name} <Show when={st().meeting}>· {st().meeting!.place}</Show>
      </p>
      <Show when={st().meeting}>
        {(m) => (
          <>
            <p data-testid="when">
              <time dateTime={new Date(m().start).toISOString()}>{t('cockpit.start', { when: when(m().start) })}</time>
            </p>
            <p class="muted" data-format={m().format}>
              {t(`format.${m().format}`)} – {lang() === 'de' ? m().legal.de : m().legal.en}
            </p>
          </>
        )}
      </Show>
      <p>
        <span class={`pill session-${st().session}`}>{t(`session.${st().session}`)}</span>
        <Show when={st().openedAt}>{(at) => <span class="muted"> {t('cockpit.opened', { when: when(at()) })}</span>}</Show>
      </p>
      <p>
        <strong>{t('currentItem')}: </strong>
        <Show when={item()} fallback={hiddenItem() ? (st().nonPublicNo ? t('np.publicItem', { no: st().nonPublicNo! }) : t('nonPublicRunning')) : t('noCurrentItem')}>
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
      <Show when={conflicts().length > 0}>
        <div class="conflicts" data-testid="conflicts">
          <strong>{t('cockpit.conflicts')}:</strong>
          <ul>
            <For each={conflicts()}>{(c) => <li>{t('cockpit.conflictItem', { no: c.no, names: c.names.join(', ') })}</li>}</For>
          </ul>
        </div>
      </Show>
    </section>
  );
}

/** "Wer ist da" (VID-3): the members in the video room with picture, sound, speaking and quality, from the relay's presence. */
import { For, Show } from 'solid-js';
import type { PresenceEntry } from '../../core/video-wire.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { videoName } from './names.js';

export function WhoIsThere(props: { s: Session; presence: PresenceEntry[] }) {
  return (
    <section class="video-who" aria-labelledby="video-who-h">
      <h3 id="video-who-h">{t('video.who')}</h3>
      <Show when={props.presence.length > 0} fallback={<p class="muted">{t('video.whoNone')}</p>}>
        <ul aria-live="polite">
          {/* Keyed by person: a presence update changes the rows' attributes, never re-creates them. */}
          <For each={props.presence.map((x) => x.person)}>
            {(person) => {
              const p = () => props.presence.find((x) => x.person === person)!;
              return (
                <Show when={p()}>
                  <li data-person={person} data-connected={String(p().connected)} data-audio={String(p().audio)} data-video={String(p().video)} data-speaking={String(p().speaking)} data-quality={p().quality ?? ''}>
                    <span class="video-who-name">{videoName(props.s, person, p().room)}</span>{' '}
                    <span class={p().connected ? 'ok' : 'warn'}>{p().connected ? t('video.connected') : t('video.disconnected')}</span>
                    <Show when={p().connected}>
                      {' · '}
                      {t('video.camera')} {p().video ? t('video.on') : t('video.off')} · {t('video.mic')} {p().audio ? t('video.on') : t('video.off')}
                      <Show when={p().speaking}> · {t('video.speaking')}</Show>
                      <Show when={p().quality}>{(q) => <span class={`video-q video-q-${q()}`}> · {t('video.quality', { q: t(`video.quality.${q()}`) })}</span>}</Show>
                    </Show>
                  </li>
                </Show>
              );
            }}
          </For>
        </ul>
      </Show>
    </section>
  );
}

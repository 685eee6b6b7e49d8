/** The gallery: the floor holder first and large, then who speaks, then the others; each tile says its state. */
import { createMemo, For, Show } from 'solid-js';
import type { RoomState } from '../../core/state.js';
import type { PresenceEntry } from '../../core/video-wire.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import type { RemoteMedia } from './client.js';
import { Media } from './Media.js';
import { videoName } from './names.js';
import { received } from './orders.js';

type Shown = ReturnType<typeof received>[number];

function ordered(room: RoomState, tiles: Shown[], presence: PresenceEntry[]): Shown[] {
  const speaking = (p: string) => presence.some((x) => x.person === p && x.speaking);
  const rank = (x: Shown) => (x.person === room.floor ? 0 : speaking(x.person) ? 1 : x.room ? 2 : 3);
  return [...tiles].sort((a, b) => rank(a) - rank(b));
}

export function Gallery(props: { s: Session; remotes: RemoteMedia[]; presence: PresenceEntry[]; onBlocked: () => void }) {
  const room = () => props.s.state().room;
  const tiles = createMemo(() => ordered(room(), received(room(), props.remotes), props.presence));
  return (
    <ul class="video-gallery" aria-label={t('video.gallery')}>
      {/* Keyed by person, so a tile's media element survives every change of the state around it. */}
      <For each={tiles().map((x) => x.person)}>
        {(person) => {
          const x = () => tiles().find((e) => e.person === person)!;
          const p = () => props.presence.find((e) => e.person === person);
          const name = () => videoName(props.s, person, x().room);
          return (
            <Show when={x()}>
              <li class="video-tile" classList={{ 'video-floor': room().floor === person, 'video-speaking': !!p()?.speaking }} data-person={person} data-room={x().room ? 'true' : undefined}>
                <Media stream={x().stream} muted={!x().play.audio} hidden={!x().play.video} label={name()} onBlocked={props.onBlocked} person={person} />
                <p class="video-label">
                  <strong>{name()}</strong>
                  <Show when={room().floor === person}> · {t('video.floor')}</Show>
                  <Show when={p()?.speaking}> · {t('video.speaking')}</Show>
                  <Show when={!x().play.video}> · {t('video.pictureOff')}</Show>
                  <Show when={!x().play.audio}> · {t('video.soundOff')}</Show>
                  <Show when={p()?.quality}>{(q) => <span class={`video-q video-q-${q()}`}> · {t('video.quality', { q: t(`video.quality.${q()}`) })}</span>}</Show>
                </p>
              </li>
            </Show>
          );
        }}
      </For>
    </ul>
  );
}

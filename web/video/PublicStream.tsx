/** The public page's player (VID-4): the public stream of the floor holder, who speaks, who is there. */
import { createEffect, createSignal, onCleanup, Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { personName } from '../views/names.js';
import { openVideo, type Video } from './client.js';
import { Gallery } from './Gallery.js';
import { playAll } from './Media.js';
import { MODES } from './modes.js';
import { StatusLine } from './StatusLine.js';
import { WhoIsThere } from './WhoIsThere.js';

export function PublicStream(props: { s: Session }) {
  const s = props.s;
  const [video, setVideo] = createSignal<Video>();
  const [blocked, setBlocked] = createSignal(false);
  createEffect(() => {
    const v = openVideo(s, 'watch', MODES);
    setVideo(v);
    onCleanup(() => v.close());
  });
  const floor = () => s.state().room.floor;
  // The mountpoint carries whoever the relay forwards (the floor holder, else the room): its `streams` message says who.
  const stream = () => video()?.client()?.remotes() ?? [];
  return (
    <section class="card public-stream" aria-labelledby="public-stream-h" data-video-status={video()?.status() ?? 'closed'}>
      <h2 id="public-stream-h">{t('video.public')}</h2>
      <Show when={video()}>{(v) => <StatusLine video={v()} />}</Show>
      <p class="video-speaker" aria-live="polite">
        {floor() ? t('video.speaker', { name: personName(s.state(), floor()!) }) : t('video.noSpeaker')}
      </p>
      <Show when={blocked()}>
        <button type="button" onClick={() => (playAll(), setBlocked(false))}>
          {t('video.unmute')}
        </button>
      </Show>
      <Gallery s={s} remotes={stream()} presence={video()?.presence() ?? []} onBlocked={() => setBlocked(true)} />
      <WhoIsThere s={s} presence={video()?.presence() ?? []} />
    </section>
  );
}

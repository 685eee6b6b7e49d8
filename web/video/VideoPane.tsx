/**
 * The video area of the meeting page: the gallery, the own preview with the own switches, the state of the
 * connection and "Wer ist da". The own switches give way to the chair's orders from the fold (VID-4), and a
 * removed participant's device leaves the room until readmitted.
 */
import { createEffect, createMemo, createSignal, onCleanup, Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { openVideo, type Video } from './client.js';
import { Gallery } from './Gallery.js';
import { Media, playAll } from './Media.js';
import { allowed } from './orders.js';
import { MODES } from './modes.js';
import { reportStats } from './stats.js';
import { StatusLine } from './StatusLine.js';
import { WhoIsThere } from './WhoIsThere.js';
import { witnessQuality } from '../views/disruption/witness.js';

export function VideoPane(props: { s: Session }) {
  const s = props.s;
  const me = createMemo(() => s.me()?.person); // s.me() follows every state change; the video must not reopen on each
  const orders = createMemo(() => allowed(s.state().room, me()), undefined, { equals: (a, b) => a.audio === b.audio && a.video === b.video && a.removed === b.removed });
  const [video, setVideo] = createSignal<Video>();
  const [mic, setMic] = createSignal(true);
  const [cam, setCam] = createSignal(true);
  const [blocked, setBlocked] = createSignal(false);

  createEffect(() => {
    if (!me() || orders().removed) return;
    const v = openVideo(s, 'publish', MODES);
    setVideo(v);
    onCleanup(() => {
      v.close();
      setVideo(undefined);
    });
  });
  createEffect(() => {
    const c = video()?.client();
    if (!c) return;
    c.setSelf({ audio: mic() && orders().audio, video: cam() && orders().video });
  });
  createEffect(() => {
    const c = video()?.client();
    if (c) onCleanup(reportStats(c, video()!.signal));
  });
  const client = () => video()?.client();
  witnessQuality(s, () => video()?.presence() ?? []); // AV-2, DIS-2: the chair's device signs each member's changed mark

  return (
    <section class="card video-pane" aria-labelledby="video-h" data-video-status={video()?.status() ?? 'closed'} data-mode={client()?.mode}>
      <h2 id="video-h">{t('video.title')}</h2>
      <Show when={orders().removed && !s.state().room.removed[me()!]?.conflict}>
        <p class="alert" role="alert">
          {t('video.removed')}
        </p>
      </Show>
      <Show when={video()}>{(v) => <StatusLine video={v()} />}</Show>
      <Show when={client()?.mode === 'mesh'}>
        <p class="alert">{t('video.mesh')}</p>
      </Show>
      <Show when={blocked()}>
        <button type="button" onClick={() => (playAll(), setBlocked(false))}>
          {t('video.unmute')}
        </button>
      </Show>
      <Gallery s={s} remotes={client()?.remotes() ?? []} presence={video()?.presence() ?? []} onBlocked={() => setBlocked(true)} />
      <div class="video-self">
        <Show when={client()?.local()}>{(m) => <Media stream={m()} muted hidden={!(cam() && orders().video)} label={t('video.me')} />}</Show>
        <div class="video-switches">
          <button type="button" class="video-mic" aria-pressed={mic() && orders().audio} disabled={!orders().audio} onClick={() => setMic(!mic())}>
            {orders().audio ? `${t('video.mic')} ${mic() ? t('video.on') : t('video.off')}` : t('video.micOrdered')}
          </button>
          <button type="button" class="video-cam" aria-pressed={cam() && orders().video} disabled={!orders().video} onClick={() => setCam(!cam())}>
            {orders().video ? `${t('video.camera')} ${cam() ? t('video.on') : t('video.off')}` : t('video.cameraOrdered')}
          </button>
        </div>
      </div>
      <WhoIsThere s={s} presence={video()?.presence() ?? []} />
    </section>
  );
}

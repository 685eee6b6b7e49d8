/** The state of the video connection, and why the relay closed it where it said so. */
import { Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Video } from './client.js';

export function StatusLine(props: { video: Video }) {
  return (
    <p class="video-status" role="status" data-status={props.video.status()}>
      {t(`video.status.${props.video.status()}`)}
      <Show when={props.video.status() !== 'connected' && props.video.closeReason()}>{(r) => <> – {t(`video.close.${r()}`)}</>}</Show>
    </p>
  );
}

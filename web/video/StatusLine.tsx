/** The state of the video connection, which path carries the picture, and why the relay closed it where it said so. */
import { Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Video } from './client.js';

export function StatusLine(props: { video: Video }) {
  const connected = () => props.video.status() === 'connected';
  return (
    <p class="video-status" role="status" data-status={props.video.status()} data-path={connected() ? props.video.path() : undefined}>
      {t(`video.status.${props.video.status()}`)}
      <Show when={connected() && props.video.path()}>{(p) => <> – {t(`video.path.${p()}`)}</>}</Show>
      <Show when={!connected() && props.video.closeReason()}>{(r) => <> – {t(`video.close.${r()}`)}</>}</Show>
    </p>
  );
}

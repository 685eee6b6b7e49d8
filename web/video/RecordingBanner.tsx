/** DS-3: every view shows while a recording runs, where it is stored and for how long. */
import { Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';

export function RecordingBanner(props: { s: Session }) {
  const rec = () => props.s.state().room.recording;
  return (
    <Show when={rec().running}>
      <p class="video-recording" role="status" data-recording="running">
        <strong>{t('video.recording')}</strong>
        <Show when={rec().storage}> {t('video.recordingWhere', { storage: rec().storage!, days: rec().retentionDays ?? '?' })}</Show>
      </p>
    </Show>
  );
}

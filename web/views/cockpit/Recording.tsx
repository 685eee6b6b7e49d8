/**
 * DS-3: every view shows while a recording runs, where it is stored and for how long; the chair, a deputy
 * or a recorder starts and stops it where the body's setting allows, after a confirmation.
 */
import { Show } from 'solid-js';
import { grants } from '../../../core/fold.js';
import { RECORDERS } from '../../../core/rules/roles.js';
import { t, tn } from '../../i18n/index.js';
import type { Session } from '../../session.js';
import { ConfirmButton } from './Confirm.js';

const where = (rec: { storage: string | null; retentionDays: number | null }) => tn('cockpit.recording.where', rec.retentionDays ?? 0, { storage: rec.storage ?? '–' });

/** The banner for everyone while a recording runs. */
export function RecordingBanner(props: { s: Session }) {
  const rec = () => props.s.state().room.recording;
  return (
    <Show when={rec().running}>
      <p class="recording" role="status" data-testid="recording">
        <span class="rec-dot" aria-hidden="true" />
        <strong>{t('cockpit.recording.running')}.</strong> <span>{where(rec())}</span>
      </p>
    </Show>
  );
}

/** Start and stop, for those allowed to (the fold refuses anyone else). */
export function RecordingControl(props: { s: Session }) {
  const s = props.s;
  const rec = () => s.state().room.recording;
  const may = () => {
    const me = s.me();
    return !!me && s.replica.deviceKey !== undefined && grants(me, RECORDERS, s.state().body?.id);
  };
  return (
    <Show when={may() && s.state().session === 'open'}>
      <div class="row recording-control" data-testid="recording-control">
        <Show when={rec().allowed} fallback={<p class="muted">{t('cockpit.recording.notAllowed')}</p>}>
          <Show
            when={rec().running}
            fallback={
              <ConfirmButton
                label={t('cockpit.recording.start')}
                title={t('cockpit.confirm.recStartTitle')}
                consequence={t('cockpit.confirm.recStart', { storage: rec().storage ?? '–', days: rec().retentionDays ?? 0 })}
                testid="recording-start"
                onConfirm={() => s.act('recording.start', {})}
              />
            }
          >
            <ConfirmButton
              label={t('cockpit.recording.stop')}
              title={t('cockpit.confirm.recStopTitle')}
              consequence={t('cockpit.confirm.recStop')}
              testid="recording-stop"
              onConfirm={() => s.act('recording.stop', {})}
            />
          </Show>
        </Show>
      </div>
    </Show>
  );
}

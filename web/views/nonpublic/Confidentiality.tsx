/**
 * PUB-6 on screen. The chair's dialog before a non-public part: send the reminder, watch the remote members'
 * confirmations come in, then begin (or record who did not confirm and begin). Each member's device asks for
 * the confirmation in a dialog of its own once the reminder is in the log. The fold decides who is pending.
 */
import { createEffect, For, Show } from 'solid-js';
import type { AgendaItem } from '../../../core/state.js';
import { t } from '../../i18n/index.js';
import type { Session } from '../../session.js';
import { personName } from '../names.js';
import { callItem } from './call.js';

/** The chair's dialog; shown while `item` is set, closed by `onClose`. */
export function ConfidentialityDialog(props: { s: Session; item: AgendaItem | undefined; onClose: () => void }) {
  const s = props.s;
  const c = () => s.state().confidentiality;
  const me = () => s.me()?.person;
  let dialog: HTMLDialogElement | undefined;
  createEffect(() => {
    if (props.item && !dialog?.open) dialog?.showModal();
    if (!props.item && dialog?.open) dialog.close();
  });
  const begin = async (recordMissing: boolean) => {
    const item = props.item!;
    if (recordMissing && c().pending.length > 0) await s.act('confidentiality.missing', { persons: c().pending });
    await callItem(s, item);
    props.onClose();
  };
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="conf-h" aria-describedby="conf-d" data-testid="confidentiality-dialog" onClose={() => props.item && props.onClose()}>
      <Show when={props.item}>
        {(item) => (
          <>
            <h2 id="conf-h">{t('np.conf.title')}</h2>
            <p id="conf-d">{t('np.conf.text', { no: item().no })}</p>
            <Show
              when={c().remindedAt !== null}
              fallback={
                <button type="button" class="primary" data-testid="remind" onClick={() => s.act('confidentiality.remind', {})}>
                  {t('np.conf.remind')}
                </button>
              }
            >
              <div role="status" aria-live="polite">
                <Show when={c().pending.length > 0} fallback={<p class="ok">{t('np.conf.allConfirmed')}</p>}>
                  <p>{t('np.conf.reminded')}</p>
                  <ul data-testid="confidentiality-pending">
                    <For each={c().pending}>{(p) => <li data-person={p}>{personName(s.state(), p)}</li>}</For>
                  </ul>
                </Show>
                {/* The chair, when remote, confirms too. */}
                <Show when={me() && c().pending.includes(me()!)}>
                  <button type="button" data-testid="confirm-confidentiality" onClick={() => s.act('confidentiality.confirm', { person: me()! })}>
                    {t('np.conf.memberConfirm')}
                  </button>
                </Show>
              </div>
            </Show>
            <div class="row">
              <button type="button" autofocus onClick={props.onClose}>
                {t('np.conf.close')}
              </button>
              <button type="button" class="primary" data-testid="begin" disabled={c().remindedAt === null || c().pending.length > 0} onClick={() => void begin(false)}>
                {t('np.conf.start')}
              </button>
              <Show when={c().remindedAt !== null && c().pending.length > 0}>
                <button type="button" class="danger" data-testid="begin-missing" onClick={() => void begin(true)}>
                  {t('np.conf.startMissing')}
                </button>
              </Show>
            </div>
          </>
        )}
      </Show>
    </dialog>
  );
}

/** A remote member's device: the reminder asks for the confirmation until it is in the log. */
export function ConfidentialityPrompt(props: { s: Session }) {
  const s = props.s;
  const me = () => s.me()?.person;
  const asked = () => {
    const c = s.state().confidentiality;
    return c.remindedAt !== null && me() !== undefined && c.pending.includes(me()!);
  };
  let dialog: HTMLDialogElement | undefined;
  createEffect(() => {
    if (asked() && !dialog?.open) dialog?.showModal();
    if (!asked() && dialog?.open) dialog.close();
  });
  return (
    // Escape does not dismiss it: the part waits for this answer (or for the chair to record that it is missing).
    <dialog ref={dialog} class="confirm" aria-labelledby="conf-m-h" aria-describedby="conf-m-d" data-testid="confidentiality-prompt" onCancel={(e) => e.preventDefault()}>
      <Show when={asked()}>
        <h2 id="conf-m-h">{t('np.conf.memberTitle')}</h2>
        <p id="conf-m-d">{t('np.conf.memberText')}</p>
        <div class="row">
          <button type="button" class="primary" autofocus data-testid="confirm-confidentiality" onClick={() => s.act('confidentiality.confirm', { person: me()! })}>
            {t('np.conf.memberConfirm')}
          </button>
        </div>
      </Show>
    </dialog>
  );
}

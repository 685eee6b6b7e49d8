/**
 * The one confirmation for irreversible actions: a button that opens a modal `<dialog>` saying what follows.
 * Focus goes to the safe choice (cancel) and returns to the button afterwards; Escape cancels.
 */
import { createSignal, type JSX, Show } from 'solid-js';
import { t } from '../../i18n/index.js';

let seq = 0;

export function ConfirmButton(props: {
  label: string;
  title: string;
  /** What follows from confirming, in plain words. */
  consequence: string;
  confirmLabel?: string;
  onConfirm: () => unknown;
  /** Ask only when this is true (e.g. closing a vote with ballots in a quorate session needs no question). */
  ask?: boolean;
  class?: string;
  disabled?: boolean;
  testid?: string;
  children?: JSX.Element;
}) {
  const id = `confirm-${++seq}`;
  let dialog: HTMLDialogElement | undefined;
  let opener: HTMLButtonElement | undefined;
  const [open, setOpen] = createSignal(false);
  const close = () => {
    dialog?.close();
    setOpen(false);
    opener?.focus();
  };
  const start = () => {
    if (props.ask === false) return void props.onConfirm();
    setOpen(true);
    dialog?.showModal();
    dialog?.querySelector<HTMLButtonElement>("[autofocus]")?.focus(); // cancel, the safe choice
  };
  return (
    <>
      <button type="button" ref={opener} class={props.class} disabled={props.disabled} data-testid={props.testid} onClick={start}>
        {props.children ?? props.label}
      </button>
      <dialog ref={dialog} class="confirm" aria-labelledby={`${id}-h`} aria-describedby={`${id}-d`} onClose={() => open() && close()}>
        {/* Rendered only while open: no hidden second button with the same name. */}
        <Show when={open()}>
          <h2 id={`${id}-h`}>{props.title}</h2>
          <p id={`${id}-d`}>{props.consequence}</p>
          <div class="row">
            <button type="button" autofocus onClick={close}>
              {t('cockpit.cancelAction')}
            </button>
            <button
              type="button"
              class="danger"
              data-testid="confirm"
              onClick={() => {
                close();
                void props.onConfirm();
              }}
            >
              {props.confirmLabel ?? props.label}
            </button>
          </div>
        </Show>
      </dialog>
    </>
  );
}

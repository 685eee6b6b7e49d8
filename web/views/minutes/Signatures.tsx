/**
 * Who signed the minutes, whether each signature names the minutes as they stand, and the signing itself
 * (irreversible, after a confirmation). The fold says what is final; this view only compares hashes.
 */
import { For, Show } from 'solid-js';
import type { MinutesSignature } from '../../../core/state.js';
import { t } from '../../i18n/index.js';
import type { Session } from '../../session.js';
import { ConfirmButton } from '../cockpit/Confirm.js';
import { when } from '../Overview.js';

/** The signer's name: the setup's, else the certificate's (the minute-taker is no member of the body). */
function signerName(s: Session, person: string): string {
  return s.state().persons.find((p) => p.id === person)?.name ?? s.replica.directory.all().find((c) => c.body.person === person)?.body.name ?? person;
}

export function Signatures(props: { s: Session; hash: string; canSign: boolean; unsent: boolean }) {
  const m = () => props.s.state().minutes;
  const closed = () => props.s.state().session === 'closed';
  const mine = () => m().signatures.some((x) => x.person === props.s.me()?.person && x.hash === props.hash);
  const why = () => (!closed() ? t('minutes.signAfterClose') : props.unsent ? t('minutes.signUnsent') : mine() ? t('minutes.signedByYou') : null);
  return (
    <section class="card" aria-labelledby="minutes-signatures-h" data-testid="minutes-signatures">
      <h2 id="minutes-signatures-h">{t('minutes.signatures')}</h2>
      <p class="muted">
        {t('minutes.hash')}: <code data-testid="minutes-hash">{props.hash}</code>
      </p>
      <Show when={m().signatures.length > 0} fallback={<p>{t('minutes.noSignatures')}</p>}>
        <ul>
          <For each={m().signatures}>
            {(sig: MinutesSignature) => (
              <li data-person={sig.person} data-current={String(sig.hash === props.hash)}>
                {t('minutes.signedBy', { name: signerName(props.s, sig.person), role: t(`role.${sig.role}`), when: when(sig.at) })}{' '}
                <span class={sig.hash === props.hash ? 'ok' : 'warn'}>{sig.hash === props.hash ? t('minutes.sigCurrent') : t('minutes.sigOther')}</span>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={m().final}>
        {(f) => (
          <p class={f().hash === props.hash ? 'ok' : 'warn'} role="status" data-testid="minutes-final">
            {f().hash === props.hash ? t('minutes.final', { when: when(f().at) }) : t('minutes.finalOther')}
          </p>
        )}
      </Show>
      <Show when={props.canSign && !m().final}>
        <ConfirmButton
          label={t('minutes.sign')}
          title={t('minutes.signTitle')}
          consequence={t('minutes.signConsequence', { hash: props.hash.slice(0, 16) })}
          disabled={why() !== null}
          testid="minutes-sign"
          onConfirm={() => props.s.act('minutes.sign', { hash: props.hash }, 'members')}
        />
        <Show when={why()}>{(w) => <p class="muted">{w()}</p>}</Show>
      </Show>
    </section>
  );
}

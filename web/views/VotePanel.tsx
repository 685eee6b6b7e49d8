/** The current vote: kind clearly marked, live count, ballot buttons, own ballot and receipt, result; earlier votes. */
import { createSignal, For, Show } from 'solid-js';
import { fromHex } from '../../crypto/bytes.js';
import { partialStep, secretBallot } from '../../core/duties.js';
import type { Vote } from '../../core/state.js';
import { deviceSecret } from '../duties.js';
import { t, tn } from '../i18n/index.js';
import type { Session } from '../session.js';
import { Delivery } from './Delivery.js';
import { optionLabel } from './names.js';
import { VoteResult, VoteSummary } from './VoteResult.js';
import { VerifySecret } from './VerifySecret.js';

export function VotePanel(props: { s: Session }) {
  const st = () => props.s.state();
  const current = () => st().votes[st().votes.length - 1];
  const earlier = () => st().votes.slice(0, -1).reverse();
  return (
    <section class="card" aria-labelledby="vote-h">
      <h2 id="vote-h">{t('vote.heading')}</h2>
      <Show when={current()} fallback={<p>{t('vote.none')}</p>}>
        {(v) => <CurrentVote s={props.s} v={v()} />}
      </Show>
      <Show when={earlier().length > 0}>
        <h3>{t('vote.past')}</h3>
        <ul class="past">
          <For each={earlier()}>
            {(v) => (
              <li>
                <span class={`pill mode-${v.mode}`}>{t(`vote.mode.${v.mode}`)}</span> {v.title}: <VoteSummary s={props.s} v={v} />
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}

/** Receipt shown as people compare it: groups of four hex digits. */
const receipt = (entry: string) => entry.slice(0, 16).match(/.{4}/g)!.join(' ');

function CurrentVote(props: { s: Session; v: Vote }) {
  const s = props.s;
  const v = () => props.v;
  const me = () => s.me();
  const mine = () => v().ballots.find((b) => b.person === me()?.person && b.status !== 'invalid' && b.status !== 'duplicate');
  const standing = () => v().entitlement?.[me()?.person ?? ''] ?? 'no-vote';
  const [busy, setBusy] = createSignal(false);
  const canVote = () => standing() === 'entitled' && !busy();
  const item = () => s.state().agenda.find((i) => i.id === v().item);
  const secret = () => v().mode === 'secret';

  const cast = (choice: string) => {
    if (!secret()) return void s.act('vote.cast', { vote: v().id, choice }, v().doc);
    setBusy(true);
    // Let "encrypting" paint before the proofs take the main thread for a moment.
    setTimeout(() => {
      const step = secretBallot(s.ref, s.state(), v(), choice, fromHex(s.replica.deviceKey!, 32));
      void s.act('vote.ballot', step.payload as never, v().doc).finally(() => setBusy(false));
    }, 30);
  };

  return (
    <div class="vote" data-vote={v().id} data-vote-status={v().status} data-mode={v().mode}>
      <p>
        <span class={`pill mode-${v().mode}`}>{t(`vote.mode.${v().mode}`)}</span>{' '}
        <Show when={v().kind === 'election'}>
          <span class="pill">{t('vote.kind.election')}</span> <span class="pill">{t('vote.round', { n: v().round })}</span>{' '}
        </Show>
        <span class={`pill vote-${v().status}`}>{t(`vote.status.${v().status}`)}</span>
      </p>
      <Show when={v().kind === 'decision'}>
        <p class="muted" data-rule={v().rule}>
          {t('vote.rule')}: {t(`rule.${v().rule}`)}
        </p>
      </Show>
      <p class="vote-title">
        <Show when={item()}>TOP {item()!.no}: </Show>
        {v().title}
      </p>
      <p aria-live="polite" data-testid="received">
        {tn(secret() ? 'vote.receivedSecret' : 'vote.received', v().received)}
      </p>
      <Show when={me() && v().status === 'open'}>
        <Show when={standing() !== 'no-vote'} fallback={<p class="muted">{t('vote.notEntitled.advisory')}</p>}>
          <Show when={standing() !== 'conflicted'} fallback={<p class="muted">{t('conflict.declared')}</p>}>
            <Show when={standing() !== 'absent'} fallback={<p class="muted">{t('vote.notEntitled.absent')}</p>}>
              <fieldset class="ballot" disabled={!canVote()}>
                <legend>{t('vote.castHint')}</legend>
                <For each={v().options}>
                  {(o) => (
                    <button type="button" class={`choice choice-${o}`} data-choice={o} onClick={() => cast(o)}>
                      {optionLabel(v(), o, t)}
                    </button>
                  )}
                </For>
              </fieldset>
              <Show when={busy()}>
                <p aria-live="polite">{t('vote.encrypting')}</p>
              </Show>
            </Show>
          </Show>
        </Show>
      </Show>
      <Show when={mine()}>
        {(b) => (
          <div class="mine" data-ballot-status={b().status}>
            <Show
              when={secret()}
              fallback={<p>{t('vote.yourBallot', { choice: optionLabel(v(), b().choice ?? '', t), status: t(`ballot.${b().status}`) })}</p>}
            >
              <p>{t('vote.secretCast', { status: t(`ballot.${b().status}`) })}</p>
              <p>
                {t('vote.receipt')}: <code data-testid="receipt">{receipt(b().entry)}</code> <span class="muted">{t('vote.receiptHint')}</span>
              </p>
              <Show when={v().counts && v().source === 'digital'}>
                <p class={b().status === 'counted' ? 'ok' : 'alert'} data-testid="included">
                  {b().status === 'counted' ? t('vote.included') : t('vote.notIncluded', { status: t(`ballot.${b().status}`) })}
                </p>
              </Show>
            </Show>
            <Show when={v().status === 'open'}>
              <Delivery s={s} entry={b().entry} />
            </Show>
          </div>
        )}
      </Show>
      <Show when={secret()}>
        <Decryption s={s} v={v()} />
      </Show>
      <VoteResult s={s} v={v()} />
      <Show when={secret() && v().decryption === 'done'}>
        <VerifySecret s={s} v={v()} />
      </Show>
    </div>
  );
}

/** Where a closed secret vote stands: waiting for trustees, postal ballot; the trustee's release button. */
function Decryption(props: { s: Session; v: Vote }) {
  const s = props.s;
  const key = () => s.state().keys.find((k) => k.id === props.v.key);
  const me = () => s.me()?.person ?? '';
  // The public has no device key and no person: `devices['']` is undefined like its key, which made it a trustee.
  const trustee = () => !!key() && !!me() && s.replica.deviceKey !== undefined && key()!.devices[me()] === s.replica.deviceKey;
  const released = () => props.v.partials.some((p) => p.trustee === me());
  const release = async () => {
    const [tenant, meeting] = s.ref.split('/') as [string, string];
    const seed = await deviceSecret(tenant, meeting, `key:${props.v.key}`);
    const step = partialStep(s.ref, s.state(), props.v, me(), s.replica.deviceKey!, seed, [...s.replica.log.ordered()]);
    if (step) await s.act('vote.partial', step.payload as never, props.v.doc);
  };
  return (
    <>
      <Show when={props.v.postal}>
        {(p) => (
          <p class="notice" data-testid="postal">
            {t('vote.postal', { reason: p().reason })} <Show when={!props.v.counts}>{t('vote.postalWaiting')}</Show>
          </p>
        )}
      </Show>
      <Show when={props.v.decryption === 'waiting'}>
        <p aria-live="polite" data-testid="decryption">
          {t('vote.waiting', { have: props.v.partials.filter((p) => p.valid).length, need: key()?.threshold ?? 0 })}
        </p>
        <Show when={trustee()}>
          <Show when={!released()} fallback={<p class="muted">{t('vote.decrypted')}</p>}>
            <p class="muted">{t('vote.decryptHint')}</p>
            <button type="button" class="primary" data-testid="release" onClick={() => void release()}>
              {t('vote.decrypt')}
            </button>
          </Show>
        </Show>
      </Show>
      <Show when={props.v.decryption === 'failed'}>
        <p class="alert">{t('vote.decryptionFailed')}</p>
      </Show>
    </>
  );
}

/** The verdict of a record check in plain words: why, the tenant key, the meeting, counts, the secret votes. */
import { For, Show } from 'solid-js';
import { t } from '../../i18n/index.js';
import { when } from '../Overview.js';
import type { CheckSummary, Finding, MinutesSummary } from './summary.js';

function Findings<C extends string>(props: { items: Finding<C>[]; label: (code: C) => string; testid: string }) {
  return (
    <ul data-testid={props.testid}>
      <For each={props.items}>
        {(f) => (
          <li data-code={f.code}>
            {props.label(f.code)}{' '}
            <span class="muted">
              ({t('check.detail')}: <code>{f.detail}</code>)
            </span>
          </li>
        )}
      </For>
    </ul>
  );
}

function MinutesResult(props: { m: MinutesSummary }) {
  return (
    <div data-testid="check-minutes" data-ok={String(props.m.ok)}>
      <h3>{t('check.minutes')}</h3>
      <p class={props.m.ok ? 'ok' : 'alert'} role={props.m.ok ? 'status' : 'alert'}>
        <strong>{t(props.m.ok ? 'check.minutesOk' : 'check.minutesFailed', { n: props.m.signatures })}</strong>
      </p>
      <ul>
        <For each={props.m.problems}>
          {(p) => (
            <li>
              <code>{p}</code>
            </li>
          )}
        </For>
        <For each={props.m.notes}>
          {(n) => (
            <li class="muted">
              <code>{n}</code>
            </li>
          )}
        </For>
      </ul>
      <Show when={props.m.pdf}>
        <p class="muted">{t('check.minutesPages')}</p>
      </Show>
    </div>
  );
}

export function CheckResult(props: { s: CheckSummary; file: string }) {
  const s = () => props.s;
  const fpNote = () => (s().keyMatches === null ? t('check.fpUnchecked') : s().keyMatches ? t('check.fpMatches') : t('check.fpDiffers'));
  return (
    <section class="card" aria-labelledby="check-result-h" data-testid="check-result" data-verdict={s().verdict} data-envelopes={s().counts.envelopes} data-applied={s().counts.applied} data-state-hash={s().stateHash ?? ''}>
      <h2 id="check-result-h">{t('check.result', { file: props.file })}</h2>
      <p class={s().verdict === 'failed' ? 'alert' : s().verdict === 'ok' ? 'ok' : ''} role={s().verdict === 'failed' ? 'alert' : 'status'} data-testid="check-verdict">
        <strong>{t(`check.verdict.${s().verdict}`)}</strong>
      </p>
      <Show when={s().problems.length > 0 || s().pending.length > 0}>
        <h3>{t('check.why')}</h3>
        <Findings items={s().problems} label={(c) => t(`check.problem.${c}`)} testid="check-problems" />
        <Findings items={s().pending} label={(c) => t(`check.pending.${c}`)} testid="check-pendings" />
      </Show>
      <Show when={s().minutes}>{(m) => <MinutesResult m={m()} />}</Show>
      <h3>{t('check.fingerprint')}</h3>
      <p>
        <code data-testid="check-fingerprint">{s().fingerprint ?? '-'}</code> <span data-testid="check-fp-note">({fpNote()})</span>
      </p>
      <Show when={s().meeting}>
        {(m) => (
          <>
            <h3>{t('check.meeting')}</h3>
            <p data-testid="check-meeting">
              {m().title}
              <Show when={m().body}> · {m().body}</Show>
              <Show when={m().start !== null}>
                {' '}
                · <time dateTime={new Date(m().start!).toISOString()}>{when(m().start!)}</time>
              </Show>
              <br />
              <span class="muted">
                {m().tenant} / {m().id} · {t(`session.${m().session}`)}
              </span>
            </p>
          </>
        )}
      </Show>
      <h3>{t('check.counts')}</h3>
      <ul data-testid="check-counts">
        <li>{t('check.envelopes', { n: s().counts.envelopes, applied: s().counts.applied })}</li>
        <li>{t('check.items', { n: s().counts.items, nonPublic: s().counts.nonPublic })}</li>
        <li>{t('check.votes', { n: s().counts.votes })}</li>
        <li>{t('check.present', { present: s().counts.present, statutory: s().counts.statutory, changes: s().counts.attendanceChanges })}</li>
        <li>
          {t('check.stateHash')}: <code>{s().stateHash ?? '-'}</code>
        </li>
      </ul>
      <h3>{t('check.secret')}</h3>
      <ul data-testid="check-secret">
        <For each={s().secret} fallback={<li class="muted">{t('check.secretNone')}</li>}>
          {(v) => <li data-ok={String(v.ok)}>{t(v.ok ? 'check.secretOk' : 'check.secretFailed', { title: v.title, ballots: v.ballots, partials: v.partials })}</li>}
        </For>
      </ul>
    </section>
  );
}

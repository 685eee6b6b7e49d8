/** The one-click check of a secret vote (VOTE-4): progress bar and a plain-language result. */
import { createSignal, For, Show } from 'solid-js';
import type { Vote } from '../../core/state.js';
import { type AuditResult, runAudit } from '../audit.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';

export function VerifySecret(props: { s: Session; v: Vote }) {
  const [progress, setProgress] = createSignal<{ done: number; total: number } | null>(null);
  const [result, setResult] = createSignal<AuditResult | null>(null);
  const [failure, setFailure] = createSignal<string | null>(null);
  const mine = () => {
    const r = result();
    if (!r) return null;
    return { audit: r.report.votes.find((x) => x.vote === props.v.id), problems: r.report.problems.filter((p) => p.vote === props.v.id) };
  };
  const check = async () => {
    setResult(null);
    setFailure(null);
    setProgress({ done: 0, total: 1 });
    try {
      setResult(await runAudit(props.s, (done, total) => setProgress({ done, total })));
    } catch (e) {
      setFailure((e as Error).message);
    } finally {
      setProgress(null);
    }
  };
  return (
    <div class="verify" data-testid="verify">
      <button type="button" onClick={() => void check()} disabled={progress() !== null}>
        {t('vote.verify')}
      </button>
      <Show when={progress()}>
        {(p) => (
          <p>
            <label for={`progress-${props.v.id}`}>{t('vote.verifying', p())}</label>{' '}
            <progress id={`progress-${props.v.id}`} max={p().total} value={p().done} />
          </p>
        )}
      </Show>
      <Show when={mine()}>
        {(m) => (
          <Show
            when={m().problems.length === 0 && m().audit?.ok}
            fallback={
              <div class="alert" role="alert" data-testid="verify-result" data-ok="false">
                <p>{t('vote.verifyFailed')}</p>
                <ul>
                  <For each={m().problems}>{(p) => <li>{t(`audit.${p.code}`, { subject: p.subject.slice(0, 16) })}</li>}</For>
                </ul>
              </div>
            }
          >
            <p class="ok" role="status" data-testid="verify-result" data-ok="true">
              {t('vote.verifyOk', { ballots: m().audit!.ballots })}
            </p>
          </Show>
        )}
      </Show>
      <Show when={failure()}>
        {(f) => (
          <p class="alert" role="alert">
            {t('error.generic', { message: f() })}
          </p>
        )}
      </Show>
    </div>
  );
}

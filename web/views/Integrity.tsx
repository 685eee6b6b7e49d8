/** What the log check found (SEC-1): forks, gaps, withheld or undelivered entries, forged ones; and fold rejections. */
import { For, Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { shortId } from './names.js';

export function IntegrityAlert(props: { s: Session }) {
  const s = props.s;
  const who = (device: string) => s.replica.directory.get(device)?.name ?? shortId(device);
  const lines = () => {
    const i = s.integrity();
    const out: string[] = [];
    for (const f of i.forks) out.push(t('integrity.fork', { who: who(f.author), doc: f.doc, seq: f.seq }));
    for (const g of i.gaps) out.push(t('integrity.gap', { who: who(g.author), have: g.have, doc: g.doc }));
    if (i.danglingDeps.length) out.push(t('integrity.dangling', { n: i.danglingDeps.length }));
    if (i.invalid.length) out.push(t('integrity.invalid', { n: i.invalid.length }));
    for (const w of i.withheld) out.push(t('integrity.withheld', { reporter: who(w.reporter), who: who(w.author), claimed: w.claimed, have: w.have }));
    if (i.unacknowledged.length) out.push(t('integrity.unacknowledged', { n: i.unacknowledged.length }));
    if (i.silentChair) out.push(t('integrity.silentChair', { since: new Date(i.silentChair.since).toLocaleTimeString() }));
    for (const r of i.rollback) out.push(t('integrity.rollback', { who: who(r.device) }));
    return out;
  };
  const invalidReasons = () => [...new Set(s.integrity().invalid.map((x) => x.reason))].slice(0, 5);
  const rejected = () => s.state().rejected;
  return (
    <>
      <Show when={lines().length > 0}>
        <section class="alert" role="alert" data-testid="integrity">
          <h2>{t('integrity.heading')}</h2>
          <ul>
            <For each={lines()}>{(l) => <li>{l}</li>}</For>
          </ul>
          <Show when={invalidReasons().length > 0}>
            <p class="muted" lang="en">
              {invalidReasons().join(', ')}
            </p>
          </Show>
        </section>
      </Show>
      <Show when={rejected().length > 0}>
        <details class="card">
          <summary>
            {t('rejected.heading')} ({rejected().length})
          </summary>
          <ul>
            <For each={rejected()}>
              {(r) => (
                <li>
                  {who(r.author)} ({r.kind}): {t(r.reason.startsWith('role:') ? 'rejected.role' : 'rejected.rule')}{' '}
                  <span class="muted" lang="en">
                    ({r.reason})
                  </span>
                </li>
              )}
            </For>
          </ul>
        </details>
      </Show>
    </>
  );
}

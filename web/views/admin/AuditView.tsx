/** The audit log (SEC-4): filter by action, person, text and time; export as JSON (with signatures) or CSV. */
import { createResource, createSignal, For } from 'solid-js';
import { lang, t } from '../../i18n/index.js';
import { AUDIT_ACTIONS, type AuditEntry } from '../../../core/identity.js';
import type { AdminContext } from './Admin.js';

const csvCell = (s: string) => (/[",;\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function download(name: string, type: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function AuditView(props: { ctx: AdminContext }) {
  const [action, setAction] = createSignal('');
  const [person, setPerson] = createSignal('');
  const [text, setText] = createSignal('');
  const [from, setFrom] = createSignal('');
  const [to, setTo] = createSignal('');
  const filter = () => ({
    ...(action() ? { action: action() } : {}),
    ...(person() ? { person: person() } : {}),
    ...(text().trim() ? { text: text().trim() } : {}),
    ...(from() ? { from: new Date(`${from()}T00:00:00`).getTime() } : {}),
    ...(to() ? { to: new Date(`${to()}T23:59:59`).getTime() } : {}),
  });
  const [entries] = createResource(filter, (f) => props.ctx.call<{ entries: AuditEntry[] }>('audit', f).then((r) => r.entries));
  const when = (ms: number) => new Date(ms).toLocaleString(lang() === 'de' ? 'de-DE' : 'en-GB');
  const actor = (a: string) => (a === 'admin' ? t('audit.actor.admin') : a === 'relay' ? t('audit.actor.relay') : t('audit.actor.device', { fp: a.slice(7, 15) }));
  const stamp = () => new Date().toISOString().slice(0, 10);
  const exportJson = () =>
    download(`ratsraum-audit-${props.ctx.tenant}-${stamp()}.json`, 'application/json', JSON.stringify({ tenant: props.ctx.tenant, tenantKey: props.ctx.data()?.tenantKey, filter: filter(), entries: entries() ?? [] }, null, 1));
  const exportCsv = () =>
    download(
      `ratsraum-audit-${props.ctx.tenant}-${stamp()}.csv`,
      'text/csv',
      ['n;at;actor;action;person;summary;signature', ...(entries() ?? []).map((e) => [String(e.n), new Date(e.at).toISOString(), e.actor, e.action, e.person ?? '', e.summary, e.sig ?? ''].map(csvCell).join(';'))].join('\n'),
    );
  return (
    <section class="card" aria-labelledby="audit-h">
      <h2 id="audit-h">{t('admin.tab.audit')}</h2>
      <form class="row" onSubmit={(e) => e.preventDefault()} aria-label={t('audit.filter')}>
        <label for="audit-action">{t('audit.action')}</label>
        <select id="audit-action" value={action()} onChange={(e) => setAction(e.currentTarget.value)}>
          <option value="">{t('audit.all')}</option>
          <For each={AUDIT_ACTIONS}>{(a) => <option value={a}>{a}</option>}</For>
        </select>
        <label for="audit-person">{t('audit.person')}</label>
        <select id="audit-person" value={person()} onChange={(e) => setPerson(e.currentTarget.value)}>
          <option value="">{t('audit.all')}</option>
          <For each={props.ctx.data()?.persons ?? []}>{(p) => <option value={p.key}>{p.name}</option>}</For>
        </select>
        <label for="audit-text">{t('audit.text')}</label>
        <input id="audit-text" type="search" value={text()} onInput={(e) => setText(e.currentTarget.value)} />
        <label for="audit-from">{t('audit.from')}</label>
        <input id="audit-from" type="date" value={from()} onInput={(e) => setFrom(e.currentTarget.value)} />
        <label for="audit-to">{t('audit.to')}</label>
        <input id="audit-to" type="date" value={to()} onInput={(e) => setTo(e.currentTarget.value)} />
      </form>
      <div class="row">
        <button type="button" onClick={exportJson}>
          {t('audit.exportJson')}
        </button>
        <button type="button" onClick={exportCsv}>
          {t('audit.exportCsv')}
        </button>
      </div>
      <div class="scroll">
        <table data-testid="audit">
          <caption>{t('audit.count', { n: entries.latest?.length ?? 0 })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('audit.at')}</th>
              <th scope="col">{t('audit.actor')}</th>
              <th scope="col">{t('audit.action')}</th>
              <th scope="col">{t('audit.summary')}</th>
              <th scope="col">{t('audit.signed')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={entries.latest ?? []}>
              {(e) => (
                <tr data-action={e.action}>
                  <td>{when(e.at)}</td>
                  <td>{actor(e.actor)}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td lang="en">{e.summary}</td>
                  <td>{e.sig ? t('audit.yes') : '–'}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  );
}

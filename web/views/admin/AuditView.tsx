/** The audit log (SEC-4): filter by action, person, text and time; export as JSON (with signatures) or CSV. */
import { createResource, createSignal, For } from 'solid-js';
import { fromHex } from '../../../crypto/bytes.js';
import { fingerprint } from '../../../crypto/hash.js';
import { known } from '../../i18n/codes.js';
import { lang, type MessageKey, t } from '../../i18n/index.js';
import { AUDIT_ACTIONS, type AuditEntry } from '../../../core/identity.js';
import type { AdminContext } from './Admin.js';

const label = (prefix: string, code: string) => (known(`${prefix}${code}`) ? t(`${prefix}${code}` as MessageKey) : code);
const roles = (rs: string[]) => rs.map((r) => label('role.', r)).join(', ');
const device = (hex: string) => fingerprint(fromHex(hex, 32));

/**
 * What an entry did, in the UI's language: from the signed request for admin changes, else the person
 * it concerns. The relay's own summary is English; it stays in the export and in English mode.
 */
function what(e: AuditEntry, personName: (key: string) => string): string {
  try {
    const data = e.request ? (JSON.parse(e.request) as { data?: Record<string, unknown> }).data : undefined;
    const body = (data?.cert as { body?: { name: string; device: string; roles: string[] } } | undefined)?.body;
    if (e.action === 'invite' && data) return t('audit.what.invite', { name: String(data.name), email: String(data.email), roles: roles(data.roles as string[]) });
    if (e.action === 'certify' && body) return t('audit.what.cert', { name: body.name, fp: device(body.device), roles: roles(body.roles) });
    if (e.action === 'revoke' && body) return t('audit.what.revoke', { name: body.name, fp: device(body.device) });
    if (e.action === 'oparl.import' && data) return t('audit.what.oparl', { source: String(data.source) });
    if (e.action === 'settings.save' && data) return t('audit.what.settings', { names: Object.keys(data).map((n) => label('settings.field.', n)).join(', ') });
  } catch {
    // a request this version cannot read: fall through to the person
  }
  if (lang() === 'en') return e.summary;
  const meeting = /in meeting (\S+)/.exec(e.summary)?.[1];
  return [e.person ? personName(e.person) : '', meeting ? t('audit.what.meeting', { meeting }) : ''].filter(Boolean).join(' · ') || '–';
}

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
  const personName = (key: string) => props.ctx.data()?.persons.find((p) => p.key === key)?.name ?? key;
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
          <For each={AUDIT_ACTIONS}>{(a) => <option value={a}>{label('audit.act.', a)}</option>}</For>
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
        {/* Stacked on narrow screens (styles.css); explicit roles keep the table semantics there. */}
        <table data-testid="audit" class="stacked" role="table">
          <caption>{t('audit.count', { n: entries.latest?.length ?? 0 })}</caption>
          <thead>
            <tr role="row">
              <th scope="col" role="columnheader">{t('audit.at')}</th>
              <th scope="col" role="columnheader">{t('audit.actor')}</th>
              <th scope="col" role="columnheader">{t('audit.action')}</th>
              <th scope="col" role="columnheader">{t('audit.summary')}</th>
              <th scope="col" role="columnheader">{t('audit.signed')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={entries.latest ?? []}>
              {(e) => (
                <tr data-action={e.action} role="row">
                  <td role="cell" data-label={t('audit.at')}>{when(e.at)}</td>
                  <td role="cell" data-label={t('audit.actor')}>{actor(e.actor)}</td>
                  <td role="cell" data-label={t('audit.action')}>{label('audit.act.', e.action)}</td>
                  <td role="cell" data-label={t('audit.summary')}>{what(e, personName)}</td>
                  <td role="cell" data-label={t('audit.signed')}>{e.sig ? t('audit.yes') : '–'}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  );
}

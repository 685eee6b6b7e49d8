/** Meetings: those Ratsraum holds, and those imported from OParl with their agenda, to set up in Ratsraum. */
import { createSignal, For, Show } from 'solid-js';
import { lang, t } from '../../i18n/index.js';
import { ApiError } from '../../identity.js';
import { type AdminContext, Outcome } from './Admin.js';
import { createMeeting } from './create-meeting.js';
import { idFor, setupFromOparl } from './setup.js';

export function MeetingsView(props: { ctx: AdminContext }) {
  const d = () => props.ctx.data();
  const when = (ms: number) => new Date(ms).toLocaleString(lang() === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  const [status, setStatus] = createSignal<{ id: string; ok: boolean; text: string }>(); // next to the meeting it is about
  const [busy, setBusy] = createSignal<string>();
  const held = (oparlId: string) => d()?.meetings.some((m) => m.id === idFor(oparlId));
  const create = async (id: string, format: 'in-person' | 'hybrid', clause: string) => {
    setBusy(id);
    setStatus(undefined);
    try {
      const plan = setupFromOparl(d()!, id, format);
      await createMeeting(props.ctx, plan, format === 'hybrid' ? clause : undefined);
      setStatus({ id, ok: true, text: t('meetings.created', { title: plan.setup.meeting.title }) });
      props.ctx.reload();
    } catch (e) {
      // A refusal of the relay is already in the UI's language; the fold's reasons are technical (English).
      setStatus({ id, ok: false, text: t('meetings.failed', { reason: e instanceof ApiError ? e.message : t('meetings.refused', { reason: (e as Error).message }) }) });
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <section class="card" aria-labelledby="meetings-h">
      <h2 id="meetings-h">{t('admin.tab.meetings')}</h2>
      <h3>{t('meetings.held')}</h3>
      <ul class="people" data-testid="held-meetings">
        <For each={d()?.meetings ?? []} fallback={<li class="muted">–</li>}>
          {(m) => (
            <li>
              {m.title} <span class="muted">({m.body}, {when(m.start)})</span> · <a href={`#/public/${props.ctx.tenant}/${m.id}`}>{t('meetings.publicPage')}</a>
            </li>
          )}
        </For>
      </ul>
      <h3>{t('meetings.imported')}</h3>
      <For each={d()?.oparlMeetings ?? []} fallback={<p class="muted">{t('meetings.noneImported')}</p>}>
        {(m) => {
          const [format, setFormat] = createSignal<'in-person' | 'hybrid'>('in-person');
          const [clause, setClause] = createSignal('');
          const items = () => (d()?.agendaItems ?? []).filter((a) => a.meeting === m.id).sort((a, b) => a.order - b.order);
          return (
            <details class="meeting" data-oparl={m.id}>
              <summary>
                {m.name} <span class="muted">({when(Date.parse(m.start))}, {t('meetings.items', { n: items().length })})</span>
              </summary>
              <ol class="agenda">
                <For each={items()}>
                  {(a) => (
                    <li>
                      {a.number} {a.name} {a.public ? '' : <span class="tag">{t('meetings.nonPublic')}</span>}
                    </li>
                  )}
                </For>
              </ol>
              <Show when={!held(m.id)} fallback={<p class="ok">{t('meetings.inRatsraum')}</p>}>
                <form
                  class="row"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void create(m.id, format(), clause());
                  }}
                >
                  <label for={`format-${idFor(m.id)}`}>{t('meetings.format')}</label>
                  <select id={`format-${idFor(m.id)}`} value={format()} onChange={(e) => setFormat(e.currentTarget.value as 'in-person' | 'hybrid')}>
                    <option value="in-person">{t('meetings.format.in-person')}</option>
                    <option value="hybrid">{t('meetings.format.hybrid')}</option>
                  </select>
                  <Show when={format() === 'hybrid'}>
                    <label for={`clause-${idFor(m.id)}`}>{t('meetings.clause')}</label>
                    <input id={`clause-${idFor(m.id)}`} type="date" required value={clause()} onInput={(e) => setClause(e.currentTarget.value)} />
                  </Show>
                  <button type="submit" class="primary" disabled={!!busy()} aria-busy={busy() === m.id} aria-describedby={`outcome-${idFor(m.id)}`}>
                    {t('meetings.create')}
                  </button>
                </form>
              </Show>
              <Outcome id={`outcome-${idFor(m.id)}`} status={status()?.id === m.id ? status() : undefined} />
            </details>
          );
        }}
      </For>
    </section>
  );
}

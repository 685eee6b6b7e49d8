/** PUB-1 for the administration: the public's registrations per meeting, and revoking a personal access link (asks first). */
import { createResource, createSignal, For, Show } from 'solid-js';
import { t } from '../../i18n/index.js';
import { ConfirmButton } from '../cockpit/Confirm.js';
import { when } from '../public/when.js';
import { type AdminContext, Outcome } from './Admin.js';

interface Registration {
  id: string;
  meeting: string;
  email: string;
  created: number;
  revoked: number | null;
}

export function RegistrationsView(props: { ctx: AdminContext }) {
  const [status, setStatus] = createSignal<{ ok: boolean; text: string }>();
  const [list, { refetch }] = createResource(async () => (await props.ctx.call<{ registrations: Registration[] }>('public.registrations', {})).registrations);
  const title = (m: string) => props.ctx.data()?.meetings.find((x) => x.id === m)?.title ?? m;
  const revoke = async (r: Registration) => {
    try {
      await props.ctx.call('public.revoke', { id: r.id });
      setStatus({ ok: true, text: t('pub.admin.revoked', { email: r.email }) });
    } catch (e) {
      setStatus({ ok: false, text: (e as Error).message });
    }
    void refetch();
  };
  return (
    <section class="card" aria-labelledby="pub-admin-h" data-testid="registrations">
      <h2 id="pub-admin-h">{t('pub.admin.heading')}</h2>
      <p>{t('pub.admin.hint')}</p>
      <button type="button" onClick={() => void refetch()}>
        {t('pub.admin.reload')}
      </button>
      <Outcome status={status()} />
      <Show when={(list.latest ?? []).length > 0} fallback={<p class="muted">{t('pub.admin.none')}</p>}>
        <table>
          <caption class="sr-only">{t('pub.admin.heading')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('pub.admin.meeting')}</th>
              <th scope="col">{t('pub.admin.email')}</th>
              <th scope="col">{t('pub.admin.created')}</th>
              <th scope="col">{t('pub.admin.state')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={list.latest}>
              {(r) => (
                <tr data-registration={r.id}>
                  <td>{title(r.meeting)}</td>
                  <td>{r.email}</td>
                  <td>{when(r.created)}</td>
                  <td>
                    <Show when={r.revoked === null} fallback={t('pub.admin.revokedAt', { at: when(r.revoked!) })}>
                      <ConfirmButton label={t('pub.admin.revoke')} title={t('pub.admin.revokeTitle', { email: r.email })} consequence={t('pub.admin.revokeConsequence')} confirmLabel={t('pub.admin.revoke')} onConfirm={() => revoke(r)} />
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </section>
  );
}

/**
 * The administration's view (issue 5): master data, invitations, devices, OParl import, meetings, audit log.
 * Every change is a request signed with the tenant admin key this browser holds; the relay records it.
 */
import { createResource, createSignal, For, Match, onCleanup, Show, Switch } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import type { Cert } from '../../../crypto/cert.js';
import { fromHex, toHex } from '../../../crypto/bytes.js';
import { fingerprint } from '../../../crypto/hash.js';
import type { Signer } from '../../../crypto/ed25519.js';
import { type MessageKey, t } from '../../i18n/index.js';
import { admin, adminSigner, ApiError, tenantKey } from '../../identity.js';
import { Header } from '../Header.js';
import { AuditView } from './AuditView.js';
import { ImportView } from './ImportView.js';
import { MeetingsView } from './MeetingsView.js';
import { PeopleView } from './PeopleView.js';
import { type SettingsData, SettingsView } from './SettingsView.js';
import { RetentionView } from './RetentionView.js';
import { RegistrationsView } from './RegistrationsView.js';

export interface DirectoryData {
  tenant: string;
  tenantKey: string;
  bodies: { id: string; name: string }[];
  organizations: { id: string; name: string; body: string; faction: boolean; committee: boolean }[];
  persons: { id: string; key: string; name: string; email?: string }[];
  memberships: { id: string; person: string; organization: string; role?: string; votingRight: boolean; end?: string }[];
  oparlMeetings: { id: string; name: string; start: string; location?: string; organizations: string[] }[];
  agendaItems: { id: string; meeting: string; number: string; name: string; public: boolean; order: number }[];
  certs: Cert[];
  /** Per device, per chain (`meeting/doc`), the highest seq the relay holds: where a new version takes over. */
  chains: Record<string, Record<string, number>>;
  enrolments: { device: string; dh?: string | null; dhSig?: string | null; person: string; state: string; created: number; grant: { name: string; roles: string[]; bodies: string[] } }[];
  invitations: { person: string; email: string; created: number; expires: number; used: number | null }[];
  meetings: { id: string; title: string; start: number; body: string }[];
  settings: SettingsData;
}

export interface AdminContext {
  tenant: string;
  signer: Signer;
  data: () => DirectoryData | undefined;
  reload: () => void;
  call: <T>(action: Parameters<typeof admin>[2], data?: unknown) => Promise<T>;
}

/**
 * The outcome of the last admin action: announced politely when it worked, as an alert when not. With `id`
 * it is a region that is always there, placed next to the control it is about (its aria-describedby).
 */
export function Outcome(props: { status?: { ok: boolean; text: string }; id?: string }) {
  const line = (
    <Show when={props.status}>
      {(s) => (
        <p class={s().ok ? 'ok' : 'alert'} role={s().ok ? 'status' : 'alert'}>
          {s().text}
        </p>
      )}
    </Show>
  );
  return props.id ? <div id={props.id}>{line}</div> : line;
}

const TABS = ['people', 'meetings', 'import', 'audit', 'settings'] as const;
type Tab = (typeof TABS)[number];

export function Admin(props: { tenant: string; join?: { key: string; fp: string } }) {
  const [signer] = createResource(async () => {
    const s = await adminSigner(props.tenant, props.join);
    // The admin key must not stay in the address bar or the history.
    if (props.join) history.replaceState(null, '', `#/admin/${props.tenant}`);
    return s ?? null;
  });
  return (
    <>
      <Header who={t('admin.who')} />
      <main id="main" class="page">
        <Show when={signer.state !== 'errored'} fallback={<p class="alert" role="alert">{(signer.error as Error).message}</p>}>
          <Show when={signer() !== undefined} fallback={<p aria-busy="true">{t('loading')}</p>}>
            <Show when={signer()} fallback={<p class="alert" role="alert">{t('admin.noKey')}</p>}>
              {(s) => <Console tenant={props.tenant} signer={s()} />}
            </Show>
          </Show>
        </Show>
      </main>
    </>
  );
}

function Console(props: { tenant: string; signer: Signer }) {
  const [tab, setTab] = createSignal<Tab>('people');
  const call: AdminContext['call'] = (action, data) => admin(props.signer, props.tenant, action, data);
  // A store reconciled by id: a refresh keeps open forms and sections open.
  const [dir, setDir] = createStore<{ d?: DirectoryData }>({});
  const [error, setError] = createSignal<string>();
  // Finding 10: the tenant key this browser holds is the trust anchor; a relay naming another one is shown up.
  const own = toHex(props.signer.publicKey);
  const mismatch = (relayKey: string) => t('admin.keyMismatch', { relay: fingerprint(fromHex(relayKey, 32)), own: fingerprint(props.signer.publicKey) });
  const load = async () => {
    try {
      const d = await call<DirectoryData>('directory');
      if (d.tenantKey !== own) {
        setDir('d', undefined);
        return setError(mismatch(d.tenantKey));
      }
      setDir('d', reconcile(d, { key: 'id', merge: true }));
      setError(undefined);
    } catch (e) {
      const relayKey = e instanceof ApiError && e.code === 'not-admin' ? await tenantKey(props.tenant).catch(() => own) : own;
      if (relayKey !== own) setDir('d', undefined);
      setError(relayKey !== own ? mismatch(relayKey) : (e as Error).message);
    }
  };
  void load();
  // New enrolments, invitations used and certificates appear without a manual refresh.
  const refresh = setInterval(load, 4000);
  onCleanup(() => clearInterval(refresh));
  const ctx: AdminContext = { tenant: props.tenant, signer: props.signer, data: () => dir.d, reload: () => void load(), call };
  return (
    <>
      <h1>{t('admin.heading', { tenant: props.tenant })}</h1>
      <Show when={dir.d}>
        {(d) => (
          <p class="muted" data-testid="tenant-info">
            {t('admin.tenantKey')} <span class="mono">{fingerprint(fromHex(d().tenantKey, 32))}</span> · {t('admin.bodies')}: {d().bodies.map((b) => b.name).join(', ') || '–'}
          </p>
        )}
      </Show>
      <Show when={error()}>
        <p class="alert" role="alert">
          {error()}
        </p>
      </Show>
      <nav class="tabs" aria-label={t('admin.sections')}>
        <For each={TABS}>
          {(x) => (
            <button type="button" aria-current={tab() === x ? 'page' : undefined} onClick={() => setTab(x)}>
              {t(`admin.tab.${x}` as MessageKey)}
            </button>
          )}
        </For>
      </nav>
      <Switch>
        <Match when={tab() === 'people'}>
          <PeopleView ctx={ctx} />
        </Match>
        <Match when={tab() === 'meetings'}>
          <MeetingsView ctx={ctx} />
        </Match>
        <Match when={tab() === 'import'}>
          <ImportView ctx={ctx} />
        </Match>
        <Match when={tab() === 'audit'}>
          <AuditView ctx={ctx} />
        </Match>
        <Match when={tab() === 'settings'}>
          <SettingsView ctx={ctx} />
          <RetentionView ctx={ctx} />
          <RegistrationsView ctx={ctx} />
        </Match>
      </Switch>
    </>
  );
}

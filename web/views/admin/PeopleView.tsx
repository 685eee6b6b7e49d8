/**
 * Persons with their memberships and roles; invitations; devices awaiting a certificate; revocation. Each
 * outcome is shown next to the control it is about. On narrow screens the persons table stacks into cards.
 */
import { createMemo, createSignal, For, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { fromHex } from '../../../crypto/bytes.js';
import { type Cert, type CertBody, issue, revoke, ROLES, type Role } from '../../../crypto/cert.js';
import { fingerprint } from '../../../crypto/hash.js';
import { type MessageKey, t } from '../../i18n/index.js';
import { certifiableDh } from '../../../core/identity.js';
import { invite } from '../../identity.js';
import { type AdminContext, type DirectoryData, Outcome } from './Admin.js';
import { idFor } from './setup.js';

const fp = (device: string) => fingerprint(fromHex(device, 32));
const YEAR = 365 * 86_400_000;

type Status = { ok: boolean; text: string };
/** Runs an admin action and keeps its outcome under `key`, the control it belongs to. */
type Act = (key: string, f: () => Promise<unknown>, done: string) => Promise<void>;
/** The outcome region of a control; the control names it with aria-describedby. */
const noteId = (key: string) => `note-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export function PeopleView(props: { ctx: AdminContext }) {
  const d = () => props.ctx.data();
  const [status, setStatus] = createStore<Record<string, Status | undefined>>({});
  const [open, setOpen] = createSignal<string>();
  const act: Act = async (key, f, done) => {
    setStatus(key, undefined);
    try {
      await f();
      setStatus(key, { ok: true, text: done });
      props.ctx.reload();
    } catch (e) {
      setStatus(key, { ok: false, text: (e as Error).message });
    }
  };
  const pending = () => d()?.enrolments.filter((e) => e.state === 'awaiting') ?? [];
  const certify = (e: DirectoryData['enrolments'][number]) =>
    act('certify', async () => {
      const now = Date.now();
      // `dh`: the device's X25519 key for sealed members' content (docs/PROTOCOL.md "Sealed content"), certified
      // only where the device key signed it: the relay operator cannot put a key of its own in its place.
      const dh = await certifiableDh(props.ctx.tenant, e);
      const body: CertBody = { v: 1, tenant: props.ctx.tenant, person: e.person, name: e.grant.name, device: e.device, ...(dh ? { dh } : {}), roles: e.grant.roles as Role[], bodies: e.grant.bodies, notBefore: now - 60_000, notAfter: now + YEAR };
      await props.ctx.call('certify', { cert: await issue(body, props.ctx.signer) });
    }, t('admin.certified', { name: e.grant.name }));
  const revokeCert = (c: Cert) => act(`devices-${c.body.person}`, async () => props.ctx.call('revoke', { cert: await revoke(c, Date.now(), props.ctx.signer, await chainsNow(props.ctx, c.body.device)) }), t('admin.revoked', { name: c.body.name }));

  return (
    <section class="card" aria-labelledby="people-h">
      <h2 id="people-h">{t('admin.tab.people')}</h2>
      <Show when={pending().length > 0}>
        <h3>{t('admin.pending')}</h3>
        <ul class="people" data-testid="pending">
          <For each={pending()}>
            {(e) => (
              <li>
                {e.grant.name} · {t('admin.deviceFp')} <span class="mono">{fp(e.device)}</span> · {e.grant.roles.map((r) => t(`role.${r}` as MessageKey)).join(', ')}{' '}
                <button type="button" class="primary" aria-describedby={noteId('certify')} onClick={() => certify(e)}>
                  {t('admin.certify', { name: e.grant.name })}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      {/* Stays when the confirmed device leaves the list above. */}
      <Outcome id={noteId('certify')} status={status.certify} />
      <div class="scroll">
        {/* Explicit roles: the narrow layout's display: block would otherwise drop the table semantics. */}
        <table data-testid="persons" class="stacked" role="table">
          <caption>{t('admin.persons', { n: d()?.persons.length ?? 0 })}</caption>
          <thead>
            <tr role="row">
              <th scope="col" role="columnheader">
                {t('admin.name')}
              </th>
              <th scope="col" role="columnheader">
                {t('admin.memberships')}
              </th>
              <th scope="col" role="columnheader">
                {t('admin.devices')}
              </th>
              <th scope="col" role="columnheader">
                {t('admin.actions')}
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={d()?.persons ?? []}>
              {(p) => {
                const memberships = () => (d()?.memberships ?? []).filter((m) => m.person === p.id && !m.end);
                const org = (id: string) => d()?.organizations.find((o) => o.id === id);
                const certs = () => (d()?.certs ?? []).filter((c) => c.body.person === p.key);
                const invited = () => d()?.invitations.find((i) => i.person === p.key && i.used === null && i.expires > Date.now());
                return (
                  <>
                    <tr data-person={p.key} role="row">
                      <th scope="row" role="rowheader">
                        {p.name}
                      </th>
                      <td role="cell" data-label={t('admin.memberships')}>
                        <For each={memberships()}>
                          {(m) => (
                            <span class="tag">
                              {org(m.organization)?.name ?? '?'}
                              {m.role ? ` (${m.role})` : ''}
                              {org(m.organization)?.faction ? '' : m.votingRight ? ` · ${t('admin.voting')}` : ` · ${t('admin.advisory')}`}
                            </span>
                          )}
                        </For>
                      </td>
                      <td role="cell" data-label={t('admin.devices')}>
                        <Show when={certs().length > 0 || invited()} fallback={<span class="muted">{t('admin.noDevice')}</span>}>
                          <For each={certs()}>
                            {(c) => (
                              <span class={`tag ${c.body.revoked !== undefined ? 'revoked' : ''}`}>
                                {c.body.revoked !== undefined ? t('admin.deviceRevoked') : t('admin.deviceActive')} ({c.body.roles.map((r) => t(`role.${r}` as MessageKey)).join(', ')})
                              </span>
                            )}
                          </For>
                          <Show when={invited()}>
                            <span class="tag">{t('admin.invited')}</span>
                          </Show>
                        </Show>
                      </td>
                      <td role="cell">
                        <button type="button" aria-expanded={open() === p.key} aria-controls={`manage-${p.key}`} onClick={() => setOpen(open() === p.key ? undefined : p.key)}>
                          {t('admin.manage', { name: p.name })}
                        </button>
                      </td>
                    </tr>
                    <Show when={open() === p.key}>
                      <tr id={`manage-${p.key}`} role="row" class="manage">
                        <td colSpan={4} role="cell">
                          <Manage ctx={props.ctx} person={p} bodies={[...new Set(memberships().map((m) => org(m.organization)?.body).filter((b): b is string => !!b))].map(idFor)} voting={memberships().some((m) => m.votingRight)} certs={certs()} act={act} status={(k) => status[k]} revoke={revokeCert} />
                        </td>
                      </tr>
                    </Show>
                  </>
                );
              }}
            </For>
          </tbody>
        </table>
      </div>
    </section>
  );
}

/**
 * New roles for a person's devices: each certificate signed again with the same validity, a later `issued`,
 * and `chains` naming where it takes over (after every entry the relay holds): entries made so far stay judged
 * by the earlier version, so a role change is safe at any time, also during a session.
 */
async function recertify(ctx: AdminContext, certs: Cert[], roles: Role[], bodies: string[]): Promise<void> {
  for (const c of certs)
    for (let attempt = 1; ; attempt++) {
      try {
        await ctx.call('certify', { cert: await issue({ ...c.body, roles, bodies: bodies.length ? bodies : c.body.bodies, issued: Date.now(), chains: await chainsNow(ctx, c.body.device) }, ctx.signer) });
        break;
      } catch (e) {
        // The device made an entry between reading its chains and signing (a running session): read them again.
        if (attempt >= 3 || (e as { code?: string }).code !== 'chains') throw e;
      }
    }
}

/** Where the device's chains stand at the relay right now (the directory shown may be seconds old). */
async function chainsNow(ctx: AdminContext, device: string): Promise<Record<string, number>> {
  return (await ctx.call<DirectoryData>('directory')).chains[device] ?? {};
}

function Manage(props: {
  ctx: AdminContext;
  person: DirectoryData['persons'][number];
  bodies: string[];
  voting: boolean;
  certs: Cert[];
  act: Act;
  status: (key: string) => Status | undefined;
  revoke: (c: Cert) => Promise<void>;
}) {
  const [email, setEmail] = createSignal(props.person.email ?? '');
  const [roles, setRoles] = createSignal<Role[]>([props.voting ? 'member' : 'advisory']);
  const [confirmRevoke, setConfirmRevoke] = createSignal<string>();
  const id = props.person.key;
  const live = createMemo(() => props.certs.filter((c) => c.body.revoked === undefined));
  return (
    <div class="stack">
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          // Finding 10: token and link (with the fingerprint) are made here, from the tenant key this browser holds.
          void props.act(`person-${id}`, () => invite(props.ctx.signer, props.ctx.tenant, { person: id, name: props.person.name, email: email().trim(), roles: roles(), bodies: props.bodies }), t('admin.inviteSent', { email: email() }));
        }}
      >
        <h3>{t('admin.invite', { name: props.person.name })}</h3>
        <label for={`email-${id}`}>{t('admin.email')}</label>
        <input id={`email-${id}`} type="email" autocomplete="off" required value={email()} onInput={(e) => setEmail(e.currentTarget.value)} />
        <fieldset>
          <legend>{t('admin.roles')}</legend>
          <div class="row">
            <For each={ROLES}>
              {(r) => (
                <label>
                  <input type="checkbox" checked={roles().includes(r)} onChange={(e) => setRoles(e.currentTarget.checked ? [...roles(), r] : roles().filter((x) => x !== r))} /> {t(`role.${r}` as MessageKey)}
                </label>
              )}
            </For>
          </div>
        </fieldset>
        <p class="muted">
          {t('admin.forBodies')} {props.bodies.join(', ') || '–'}
        </p>
        <div class="row">
          <button type="submit" class="primary" disabled={roles().length === 0} aria-describedby={noteId(`person-${id}`)}>
            {t('admin.sendInvite')}
          </button>
          <Show when={live().length > 0}>
            <button type="button" disabled={roles().length === 0} aria-describedby={noteId(`person-${id}`)} onClick={() => void props.act(`person-${id}`, () => recertify(props.ctx, live(), roles(), props.bodies), t('admin.rolesChanged', { name: props.person.name }))}>
              {t('admin.changeRoles')}
            </button>
          </Show>
        </div>
        <Outcome id={noteId(`person-${id}`)} status={props.status(`person-${id}`)} />
      </form>
      <Show when={live().length > 0}>
        <h3>{t('admin.devices')}</h3>
        <ul class="people">
          <For each={live()}>
            {(c) => (
              <li>
                <span class="mono">{fp(c.body.device)}</span>{' '}
                <Show
                  when={confirmRevoke() === c.body.device}
                  fallback={
                    <button type="button" onClick={() => setConfirmRevoke(c.body.device)}>
                      {t('admin.revoke')}
                    </button>
                  }
                >
                  <button type="button" class="danger" aria-describedby={noteId(`devices-${id}`)} onClick={() => void props.revoke(c)}>
                    {t('admin.revokeConfirm')}
                  </button>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Outcome id={noteId(`devices-${id}`)} status={props.status(`devices-${id}`)} />
    </div>
  );
}

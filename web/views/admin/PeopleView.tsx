/** Persons with their memberships and roles; invitations; devices awaiting a certificate; revocation. */
import { createMemo, createSignal, For, Show } from 'solid-js';
import { fromHex } from '../../../crypto/bytes.js';
import { type Cert, type CertBody, issue, revoke, ROLES, type Role } from '../../../crypto/cert.js';
import { fingerprint } from '../../../crypto/hash.js';
import { type MessageKey, t } from '../../i18n/index.js';
import { type AdminContext, type DirectoryData, Outcome } from './Admin.js';
import { idFor } from './setup.js';

const fp = (device: string) => fingerprint(fromHex(device, 32));
const YEAR = 365 * 86_400_000;

export function PeopleView(props: { ctx: AdminContext }) {
  const d = () => props.ctx.data();
  const [status, setStatus] = createSignal<{ ok: boolean; text: string }>();
  const [open, setOpen] = createSignal<string>();
  const act = async (f: () => Promise<unknown>, done: string) => {
    setStatus(undefined);
    try {
      await f();
      setStatus({ ok: true, text: done });
      props.ctx.reload();
    } catch (e) {
      setStatus({ ok: false, text: (e as Error).message });
    }
  };
  const pending = () => d()?.enrolments.filter((e) => e.state === 'awaiting') ?? [];
  const certify = (e: DirectoryData['enrolments'][number]) =>
    act(async () => {
      const now = Date.now();
      const body: CertBody = { v: 1, tenant: props.ctx.tenant, person: e.person, name: e.grant.name, device: e.device, roles: e.grant.roles as Role[], bodies: e.grant.bodies, notBefore: now - 60_000, notAfter: now + YEAR };
      await props.ctx.call('certify', { cert: await issue(body, props.ctx.signer) });
    }, t('admin.certified', { name: e.grant.name }));
  const revokeCert = (c: Cert) => act(async () => props.ctx.call('revoke', { cert: await revoke(c, Date.now(), props.ctx.signer) }), t('admin.revoked', { name: c.body.name }));

  return (
    <section class="card" aria-labelledby="people-h">
      <h2 id="people-h">{t('admin.tab.people')}</h2>
      <Outcome status={status()} />
      <Show when={pending().length > 0}>
        <h3>{t('admin.pending')}</h3>
        <ul class="people" data-testid="pending">
          <For each={pending()}>
            {(e) => (
              <li>
                {e.grant.name} · {t('admin.deviceFp')} <span class="mono">{fp(e.device)}</span> · {e.grant.roles.map((r) => t(`role.${r}` as MessageKey)).join(', ')}{' '}
                <button type="button" class="primary" onClick={() => certify(e)}>
                  {t('admin.certify', { name: e.grant.name })}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <div class="scroll">
        <table data-testid="persons">
          <caption>{t('admin.persons', { n: d()?.persons.length ?? 0 })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('admin.memberships')}</th>
              <th scope="col">{t('admin.devices')}</th>
              <th scope="col">{t('admin.actions')}</th>
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
                    <tr data-person={p.key}>
                      <th scope="row">{p.name}</th>
                      <td>
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
                      <td>
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
                      <td>
                        <button type="button" aria-expanded={open() === p.key} aria-controls={`manage-${p.key}`} onClick={() => setOpen(open() === p.key ? undefined : p.key)}>
                          {t('admin.manage', { name: p.name })}
                        </button>
                      </td>
                    </tr>
                    <Show when={open() === p.key}>
                      <tr id={`manage-${p.key}`}>
                        <td colSpan={4}>
                          <Manage ctx={props.ctx} person={p} bodies={[...new Set(memberships().map((m) => org(m.organization)?.body).filter((b): b is string => !!b))].map(idFor)} voting={memberships().some((m) => m.votingRight)} certs={certs()} act={act} revoke={revokeCert} />
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
 * New roles for a person's devices: each certificate signed again with the same validity and a later `issued`
 * (the newest counts everywhere). The fold reads a device's roles from its current certificate, so change roles
 * between meetings.
 */
async function recertify(ctx: AdminContext, certs: Cert[], roles: Role[], bodies: string[]): Promise<void> {
  for (const c of certs) await ctx.call('certify', { cert: await issue({ ...c.body, roles, bodies: bodies.length ? bodies : c.body.bodies, issued: Date.now() }, ctx.signer) });
}

function Manage(props: {
  ctx: AdminContext;
  person: DirectoryData['persons'][number];
  bodies: string[];
  voting: boolean;
  certs: Cert[];
  act: (f: () => Promise<unknown>, done: string) => Promise<void>;
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
          void props.act(() => props.ctx.call('invite', { person: id, name: props.person.name, email: email().trim(), roles: roles(), bodies: props.bodies }), t('admin.inviteSent', { email: email() }));
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
          <button type="submit" class="primary" disabled={roles().length === 0}>
            {t('admin.sendInvite')}
          </button>
          <Show when={live().length > 0}>
            <button type="button" disabled={roles().length === 0} onClick={() => void props.act(() => recertify(props.ctx, live(), roles(), props.bodies), t('admin.rolesChanged', { name: props.person.name }))}>
              {t('admin.changeRoles')}
            </button>
          </Show>
        </div>
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
                  <button type="button" class="danger" onClick={() => void props.revoke(c)}>
                    {t('admin.revokeConfirm')}
                  </button>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}

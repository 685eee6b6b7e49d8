/**
 * What every device shows of disruptions (DigiSiVO § 10): the interruption while a rüge is open, the member's
 * one button to object, and the second reporting channel (DIS-3), read from the device's own folded log so
 * that it is there offline too.
 */
import { For, Show } from 'solid-js';
import { randomBytes, toHex } from '../../../crypto/bytes.js';
import { lang, t } from '../../i18n/index.js';
import type { Session } from '../../session.js';
import { ConfirmButton } from '../cockpit/Confirm.js';
import { Delivery } from '../Delivery.js';
import { personName } from '../names.js';

export const clockTime = (ms: number) => new Date(ms).toLocaleTimeString(lang() === 'de' ? 'de-DE' : 'en-GB', { hour: '2-digit', minute: '2-digit' });

/** Every device, the public's included: the session is interrupted, by whose rüge, since when. */
export function DisruptionBanner(props: { s: Session }) {
  const st = () => props.s.state();
  const open = () => st().disruption.disruptions.filter((d) => d.status === 'open');
  return (
    <Show when={open().length > 0}>
      <div class="interrupted" role="alert" data-testid="interrupted">
        <p>
          <strong>{t('dis.interrupted')}</strong> {t('dis.interrupted.hint')}
        </p>
        <ul>
          <For each={open()}>
            {(d) => (
              <li data-disruption={d.id}>
                {t('dis.interrupted.by', { name: personName(st(), d.person), media: t(`dis.media.${d.media}`), time: clockTime(d.at), channel: t(`dis.channel.${d.channel}`) })}
                <Show when={d.presumedOwn}> {t('dis.presumedOwn')}</Show>
              </li>
            )}
          </For>
        </ul>
      </div>
    </Show>
  );
}

const myPerson = (s: Session) => {
  const me = s.me()?.person;
  return me && s.state().persons.some((p) => p.id === me) ? me : undefined;
};

/** DIS-1: one button for a member to object; signed on the device at once, sent whenever a path is there. */
export function ReportButton(props: { s: Session }) {
  const s = props.s;
  const me = () => myPerson(s);
  const mine = () => s.state().disruption.disruptions.find((d) => d.person === me() && d.status === 'open');
  return (
    <Show when={me() && s.state().session === 'open'}>
      <Show
        when={!mine()}
        fallback={
          <div data-testid="my-report">
            <p class="muted">{t('dis.reported')}</p>
            <Delivery s={s} entry={mine()!.entry} />
          </div>
        }
      >
        <ConfirmButton
          label={t('dis.report')}
          title={t('dis.report.title')}
          consequence={t('dis.report.consequence')}
          class="danger"
          testid="report-disruption"
          onConfirm={() => s.act('disruption.report', { id: `d-${toHex(randomBytes(6))}`, person: me()!, media: 'both' })}
        />
      </Show>
    </Show>
  );
}

/**
 * DIS-3: the second reporting channel, for every member at all times; stressed while no server is reached,
 * worded for whether the session still runs over other devices (DIS-5) or this device is cut off.
 */
export function SecondChannel(props: { s: Session }) {
  const rules = () => props.s.state().disruption.rules;
  const offline = () => props.s.reach() !== 'online';
  const title = () => (props.s.reach() === 'peers' ? t('dis.second.peers') : offline() ? t('dis.second.offline') : t('dis.second.title'));
  return (
    <Show when={rules().phone || rules().email}>
      <p class={offline() ? 'second-channel alert' : 'second-channel'} data-testid="second-channel" data-offline={offline() ? 'true' : 'false'} data-reach={props.s.reach()}>
        <strong>{title()}</strong>{' '}
        <Show when={rules().phone}>
          {(p) => (
            <>
              {t('dis.second.phone')} <a href={`tel:${p().replace(/[^+\d]/g, '')}`}>{p()}</a>{' '}
            </>
          )}
        </Show>
        <Show when={rules().email}>
          {(m) => (
            <>
              {t('dis.second.email')} <a href={`mailto:${m()}`}>{m()}</a>
            </>
          )}
        </Show>
      </p>
    </Show>
  );
}

/**
 * PUB-3: the room display for a screen in the town hall, for people without internet: the meeting, the
 * current item (during a non-public part only that one runs), who speaks, a running vote with its count and
 * the last result, in large type and without any control. It renders the public session (local store first,
 * so after the first visit it starts offline from its last state) and nothing of the members' content.
 */
import { createResource, ErrorBoundary, onCleanup, Show } from 'solid-js';
import { t, tn } from '../../i18n/index.js';
import { heldAccess, keepAccess } from '../../public-access.js';
import { openSession, type Session } from '../../session.js';
import { Failure, Loading } from '../Meeting.js';
import { personName } from '../names.js';
import { VoteSummary } from '../VoteResult.js';

export function Kiosk(props: { tenant: string; meeting: string; access?: string }) {
  const { tenant, meeting } = props;
  if (props.access) {
    keepAccess(tenant, meeting, props.access);
    history.replaceState(null, '', `#/saal/${tenant}/${meeting}`);
  }
  const [session] = createResource(() => openSession({ tenant, meeting, device: false, access: heldAccess(tenant, meeting) }));
  onCleanup(() => session()?.stop());
  return (
    <ErrorBoundary fallback={(e) => <Failure error={e} />}>
      <Show when={session()} fallback={<Loading failed={session.error} />}>
        {(s) => <Display s={s()} />}
      </Show>
    </ErrorBoundary>
  );
}

function Display(props: { s: Session }) {
  const st = () => props.s.state();
  const item = () => st().agenda.find((i) => i.id === st().currentItem);
  const vote = () => st().votes.find((v) => v.status === 'open');
  const last = () => st().votes.filter((v) => v.status === 'closed').at(-1);
  return (
    <main id="main" class="kiosk" data-status={props.s.status()} aria-live="polite">
      <header class="kiosk-head">
        <h1>{st().meeting?.title ?? t('noMeeting')}</h1>
        <p class="kiosk-state" data-testid="kiosk-session">
          {t(`pub.kiosk.session.${st().session}`)} · {t('pub.kiosk.present', { present: st().quorum.present, statutory: st().quorum.statutory })}
          <Show when={props.s.status() !== 'online'}> · {t('pub.kiosk.offline')}</Show>
        </p>
        <Show when={props.s.error() === 'access'}>
          <p class="kiosk-state" role="alert">
            {t('pub.accessRefused')}
          </p>
        </Show>
      </header>
      <section class="kiosk-item" aria-labelledby="kiosk-item-h">
        <h2 id="kiosk-item-h">{t('pub.kiosk.item')}</h2>
        <p data-testid="kiosk-item">
          <Show when={!st().nonPublicPart} fallback={st().nonPublicNo ? t('np.publicItem', { no: st().nonPublicNo! }) : t('pub.kiosk.nonPublic')}>
            <Show when={item()} fallback={t('pub.kiosk.noItem')}>
              {(i) => t('pub.kiosk.top', { no: i().no, title: i().title })}
            </Show>
          </Show>
        </p>
      </section>
      <section class="kiosk-speaker" aria-labelledby="kiosk-speaker-h">
        <h2 id="kiosk-speaker-h">{t('pub.kiosk.speaker')}</h2>
        <p data-testid="kiosk-speaker">{st().room.floor ? personName(st(), st().room.floor!) : t('video.noSpeaker')}</p>
      </section>
      <section class="kiosk-vote" aria-labelledby="kiosk-vote-h">
        <h2 id="kiosk-vote-h">{vote() ? t('vote.status.open') : t('pub.kiosk.lastResult')}</h2>
        <Show when={vote() ?? last()} fallback={<p>{t('pub.kiosk.noVote')}</p>}>
          {(v) => (
            <div data-testid="kiosk-vote">
              <p class="kiosk-vote-title">
                {v().title} <span class="muted">({t(`vote.mode.${v().mode}`)})</span>
              </p>
              <Show when={v().status === 'open'} fallback={<p class="kiosk-result"><VoteSummary s={props.s} v={v()} /></p>}>
                <p class="kiosk-count">{v().mode === 'secret' ? tn('vote.receivedSecret', v().received) : tn('vote.received', v().received)}</p>
              </Show>
            </div>
          )}
        </Show>
      </section>
      <p class="kiosk-foot">{t('pub.kiosk.noRecording')}</p>
    </main>
  );
}

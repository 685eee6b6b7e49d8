/** A meeting page: opens the session (local store first, then the relay) and lays out the panels. */
import { createResource, ErrorBoundary, type JSX, onCleanup, Show } from 'solid-js';
import { badge } from '../../core/rules/participants.js';
import { type MessageKey, t } from '../i18n/index.js';
import { openSession, type Session, SessionError } from '../session.js';
import type { MeetingRoute } from './App.js';
import { LoginForm } from './Login.js';
import { Agenda } from './Agenda.js';
import { Attendance } from './Attendance.js';
import { ChairPanel } from './ChairPanel.js';
import { Handbook } from './Handbook.js';
import { Header } from './Header.js';
import { IntegrityAlert } from './Integrity.js';
import { CheckIn, MemberPanel } from './MemberPanel.js';
import { Overview } from './Overview.js';
import { VotePanel } from './VotePanel.js';
import { Orders } from './cockpit/Orders.js';
import { RecordingBanner, RecordingControl } from './cockpit/Recording.js';
import { DisruptionBanner, ReportButton, SecondChannel } from './disruption/Banner.js';
import { FloorButton, SpeakersList } from './cockpit/SpeakersList.js';
import { PublicStream } from '../video/PublicStream.js';
import { VideoPane } from '../video/VideoPane.js';
import { keepScreenOn } from '../platform.js';
import { QuestionsPanel } from './public/QuestionsPanel.js';
import { ConfidentialityPrompt } from './nonpublic/Confidentiality.js';
import { ConflictDecisions, ExclusionNotice } from './nonpublic/Conflicts.js';
import { SealedNotice } from './Sealed.js';

export function Meeting(props: { route: MeetingRoute; children?: JSX.Element }) {
  const r = props.route;
  const [session] = createResource(async () => {
    const s = await openSession({ tenant: r.tenant, meeting: r.meeting, device: r.view === 'device', join: r.view === 'device' ? r.join : undefined, access: r.view === 'public' ? r.access : undefined });
    // The device secret of a join link must not stay in the address bar or the history.
    if (r.view === 'device' && r.join) history.replaceState(null, '', `#/m/${r.tenant}/${r.meeting}`);
    return s;
  });
  onCleanup(() => session()?.stop());
  if (r.view === 'device') onCleanup(keepScreenOn());
  return (
    <ErrorBoundary fallback={(e) => <Failure error={e} />}>
      <Show when={session()} fallback={<Loading failed={session.error} />}>
        {(s) => <MeetingBody s={s()}>{props.children}</MeetingBody>}
      </Show>
    </ErrorBoundary>
  );
}

export function Loading(props: { failed: unknown }) {
  return (
    <>
      <Header />
      <main id="main" class="page">
        <Show when={props.failed} fallback={<p aria-busy="true">{t('loading')}</p>}>
          <Failure error={props.failed} />
        </Show>
      </main>
    </>
  );
}

export function Failure(props: { error: unknown }) {
  const key = () => (props.error instanceof SessionError ? (props.error.key as MessageKey) : undefined);
  return (
    <p class="alert" role="alert">
      {key() ? t(key()!) : t('error.generic', { message: String((props.error as Error)?.message ?? props.error) })}
    </p>
  );
}

function MeetingBody(props: { s: Session; children?: JSX.Element }) {
  const s = props.s;
  const role = () => badge(s.state(), s.replica.deviceKey ? s.me() : undefined);
  const who = () => (s.me() ? t('youAre', { name: s.me()!.name, role: t(`role.${role()}`) }) : t('role.public'));
  const member = () => role() === 'member' || role() === 'chair' || role() === 'advisory';
  const voteOpen = () => s.state().votes.some((v) => v.status === 'open');
  return (
    <>
      <Header reach={s.reach} who={who()} />
      <main id="main" class="page cockpit" data-role={role()}>
        <Show when={s.error()}>
          {(e) => (
            <p class="alert" role="alert">
              <Show when={e() === 'fingerprint' || e() === 'tenant-key' || e() === 'revoked' || e() === 'clock' || e() === 'access'} fallback={<ActionError message={e()} />}>
                {e() === 'revoked' ? t('login.revoked') : e() === 'clock' ? t('error.clock') : e() === 'access' ? t('pub.accessRefused') : t('error.fingerprint')}
              </Show>
            </p>
          )}
        </Show>
        <Show when={s.loginNeeded()}>
          <LoginForm tenant={s.replica.tenant} reason={t('login.again')} onDone={() => s.resume()} />
        </Show>
        <IntegrityAlert s={s} />
        <RecordingBanner s={s} />
        <DisruptionBanner s={s} />
        <Show when={member()}>
          <SecondChannel s={s} />
          <ExclusionNotice s={s} />
          <Show when={role() !== 'chair'}>
            <ConfidentialityPrompt s={s} />
          </Show>
        </Show>
        <SealedNotice s={s} />
        {/* HYB-1: the room device shows the picture in large, nothing to operate. */}
        <Show when={role() !== 'room'} fallback={<RoomView s={s} />}>
          {/* A running vote goes to the top for those who vote; the public keeps the meeting's title first. */}
          <div class="cockpit-grid" data-vote-open={voteOpen() && member() ? 'true' : 'false'}>
            <div class="area-overview">
              <Overview s={s} />
            </div>
            <div class="area-video">
              <Show when={role() === 'public'} fallback={<VideoPane s={s} />}>
                <PublicStream s={s} />
              </Show>
            </div>
            <div class="area-speakers">
              <SpeakersList s={s} chair={role() === 'chair'} />
            </div>
            <div class="area-work">
              <VotePanel s={s} />
              <Show when={role() === 'chair'} fallback={<RecordingControl s={s} />}>
                <ChairPanel s={s} />
                <ConflictDecisions s={s} />
                <Orders s={s} />
                <QuestionsPanel s={s} />
              </Show>
            </div>
            <div class="area-people">
              <Show when={member()}>
                <MemberPanel s={s} />
              </Show>
              <Attendance s={s} />
            </div>
            <div class="area-docs">
              <Agenda s={s} />
              <Show when={role() === 'chair' || role() === 'minutes'}>
                <p>
                  <a href={`#/minutes/${s.ref}`} data-testid="minutes-link">{t('minutes.open')}</a>
                </p>
              </Show>
              <Show when={member()}>
                <Handbook s={s} />
              </Show>
            </div>
          </div>
          <Show when={member() && s.state().session !== 'closed'}>
            <div class="action-bar" role="region" aria-label={t('cockpit.bar')}>
              <CheckIn s={s} />
              <FloorButton s={s} />
              <ReportButton s={s} />
            </div>
          </Show>
        </Show>
        {props.children}
      </main>
    </>
  );
}

function RoomView(props: { s: Session }) {
  const st = () => props.s.state();
  const item = () => st().agenda.find((i) => i.id === st().currentItem);
  return (
    <div class="room-view">
      <h1 id="meeting-title">
        {st().meeting?.title ?? t('noMeeting')}
        <Show when={item()}>
          {(i) => (
            <span class="muted">
              {' '}
              – TOP {i().no} {i().title}
            </span>
          )}
        </Show>
      </h1>
      <VideoPane s={props.s} />
    </div>
  );
}

/** German sentence for the user; the technical reason (English, as in the logs) marked as such for screen readers. */
function ActionError(props: { message: string }) {
  return (
    <>
      {t('error.action')}{' '}
      <span class="muted" lang="en">
        ({props.message})
      </span>
    </>
  );
}

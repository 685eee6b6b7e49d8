/**
 * #/minutes/<tenant>/<meeting> (MIN-2): the minutes as the record says them (core/minutes.ts), the draft's
 * text parts as fields for the chair and the minute-taker, and the signatures. Works offline like the meeting
 * page: the same session, local store first.
 */
import { createMemo, createResource, createEffect, ErrorBoundary, onCleanup, Show } from 'solid-js';
import { draftTexts, minutesHash, minutesOf, type Lang } from '../../../core/minutes.js';
import { fold } from '../../../core/fold.js';
import { signedLog } from '../../../core/rules/minutes.js';
import { badge } from '../../../core/rules/participants.js';
import { lang, t } from '../../i18n/index.js';
import { openSession, type Session } from '../../session.js';
import { Header } from '../Header.js';
import { Failure, Loading } from '../Meeting.js';
import { DraftDoc } from './draft.js';
import { DraftField } from './DraftField.js';
import { DraftText, Sections } from './Sections.js';
import { Signatures } from './Signatures.js';

export function MinutesPage(props: { tenant: string; meeting: string }) {
  const [session] = createResource(() => openSession({ tenant: props.tenant, meeting: props.meeting, device: true }));
  onCleanup(() => session()?.stop());
  return (
    <ErrorBoundary fallback={(e) => <Failure error={e} />}>
      <Show when={session()} fallback={<Loading failed={session.error} />}>
        {(s) => <MinutesBody s={s()} />}
      </Show>
    </ErrorBoundary>
  );
}

/** The minutes are signed in German, whatever language the page shows: both signers must hash the same data. */
export const SIGNED_LANG: Lang = 'de';

function MinutesBody(props: { s: Session }) {
  const s = props.s;
  const role = () => badge(s.state(), s.me());
  const editor = () => role() === 'chair' || role() === 'minutes';
  const draft = new DraftDoc(s.replica);
  onCleanup(() => draft.stop());
  createEffect(() => draft.sync(s.state()));
  const personOf = (device: string) => s.replica.directory.get(device)?.person;
  // Once final, the minutes as signed: the log up to the signature that made them final, folded as it stood then.
  const basis = createMemo(() => {
    const st = s.state();
    const all = s.replica.log.ordered();
    const log = signedLog(all, st.minutes.final);
    return { log, st: log === all ? st : fold(log, s.replica.directory, s.ref) };
  });
  const minutes = (l: Lang) => {
    const { st, log } = basis();
    return minutesOf(st, { log, personOf, texts: draftTexts(log, st), lang: l });
  };
  const signed = createMemo(() => minutes(SIGNED_LANG));
  const shown = createMemo(() => (lang() === SIGNED_LANG ? signed() : minutes(lang())));
  const hash = createMemo(() => minutesHash(signed()));
  const final = () => s.state().minutes.final !== null;
  return (
    <>
      <Header reach={s.reach} who={s.me() ? t('youAre', { name: s.me()!.name, role: t(`role.${role()}`) }) : undefined} />
      <main id="main" class="page minutes" data-role={role()}>
        <h1 id="minutes-title">{shown().title}</h1>
        <p>
          <a href={`#/m/${s.ref}`}>{t('minutes.back')}</a>
        </p>
        <Show when={s.error()}>
          {(e) => (
            <p class="alert" role="alert">
              {t('error.action')} <span lang="en">({e()})</span>
            </p>
          )}
        </Show>
        <p class="muted" id="minutes-intro">{editor() ? (final() ? t('minutes.introFinal') : t('minutes.introEditor')) : t('minutes.introReader')}</p>
        <Sections
          sections={shown().sections}
          field={(b) => (
            <Show when={editor()} fallback={<DraftText block={b} />}>
              <DraftField block={b} draft={draft} disabled={final()} />
            </Show>
          )}
        />
        <Signatures s={s} hash={hash()} canSign={editor()} unsent={draft.unsent[0]()} />
      </main>
    </>
  );
}

/** The chair's controls, and before opening who lacks digital access (LEG-2). */
import { createMemo, createSignal, For, Show } from 'solid-js';
import { undecidedConflicts } from '../../core/rules/conflicts.js';
import { access } from '../../core/rules/participants.js';
import type { AgendaItem } from '../../core/state.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { ClosedVote, OpenVoteForm, RunningVote } from './ChairVote.js';
import { ConfirmButton } from './cockpit/Confirm.js';
import { RecordingControl } from './cockpit/Recording.js';
import { KeySetup } from './KeySetup.js';
import { ChairDisruptions } from './disruption/ChairDisruptions.js';
import { personName } from './names.js';
import { callItem } from './nonpublic/call.js';
import { ConfidentialityDialog } from './nonpublic/Confidentiality.js';

export function ChairPanel(props: { s: Session }) {
  const s = props.s;
  const st = () => s.state();
  const ready = createMemo(() => access(st(), s.replica.directory.all(), s.presence().map((d) => d.person)));
  const notEnrolled = () => ready().notEnrolled;
  const notConnected = () => ready().notConnected;
  const notAcknowledged = () => st().notAcknowledged;
  const openVote = () => st().votes.find((v) => v.status === 'open');
  const [item, setItem] = createSignal('');
  const [person, setPerson] = createSignal('');
  const [confidential, setConfidential] = createSignal<AgendaItem>();
  const chosenItem = () => st().agenda.find((i) => i.id === item());
  // BEF-1: the fold refuses the call while a declared conflict of the item waits for the chair's decision.
  const undecided = () => (chosenItem() ? undecidedConflicts(st(), chosenItem()!.id) : []);

  return (
    <section class="card chair" aria-labelledby="chair-h">
      <h2 id="chair-h">{t('chair.heading')}</h2>
      <Show when={st().session === 'scheduled'}>
        <div class="readiness" data-testid="readiness">
          <h3>{t('chair.readiness')}</h3>
          <Show when={notEnrolled().length === 0 && notConnected().length === 0}>
            <p class="ok">{t('chair.allReady')}</p>
          </Show>
          <Show when={notEnrolled().length > 0}>
            <h4>{t('chair.notEnrolled')}</h4>
            <ul data-testid="not-enrolled">
              <For each={notEnrolled()}>{(p) => <li data-person={p}>{personName(st(), p)}</li>}</For>
            </ul>
          </Show>
          <Show when={notAcknowledged().length > 0}>
            <h4>{t('chair.notAcknowledged')}</h4>
            <ul data-testid="not-acknowledged">
              <For each={notAcknowledged()}>{(p) => <li data-person={p}>{personName(st(), p)}</li>}</For>
            </ul>
          </Show>
          <Show when={notConnected().length > 0}>
            <h4>{t('chair.notConnected')}</h4>
            <ul data-testid="not-connected">
              <For each={notConnected()}>{(p) => <li data-person={p}>{personName(st(), p)}</li>}</For>
            </ul>
          </Show>
        </div>
        <button type="button" class="primary" onClick={() => s.act('session.open', {})}>
          {t('chair.open')}
        </button>
      </Show>
      <Show when={st().session === 'open'}>
        <ChairDisruptions s={s} />
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const chosen = st().agenda.find((i) => i.id === item());
            if (!chosen || undecided().length > 0) return;
            // PUB-6: a non-public part begins only after the reminder and the remote members' confirmations.
            if (!chosen.public && !st().nonPublicPart) setConfidential(chosen);
            else void callItem(s, chosen);
          }}
        >
          <label for="item-select">{t('chair.item')}</label>
          <select id="item-select" value={item()} onChange={(e) => setItem(e.currentTarget.value)}>
            <option value="">–</option>
            <For each={st().agenda}>{(i) => <option value={i.id}>TOP {i.no} {i.title.slice(0, 50)}</option>}</For>
          </select>
          <button type="submit" aria-describedby={undecided().length > 0 ? 'item-undecided' : undefined}>{t('chair.setItem')}</button>
        </form>
        <Show when={undecided().length > 0}>
          <p class="warn" id="item-undecided" role="status" data-testid="item-undecided">
            {t('np.call.undecided', { no: chosenItem()!.no, names: undecided().map((p) => personName(st(), p)).join(', ') })}
          </p>
        </Show>
        <ConfidentialityDialog s={s} item={confidential()} onClose={() => setConfidential(undefined)} />
        <form class="row" onSubmit={(e) => e.preventDefault()}>
          <label for="person-select">{t('chair.person')}</label>
          <select id="person-select" value={person()} onChange={(e) => setPerson(e.currentTarget.value)}>
            <option value="">–</option>
            <For each={st().persons}>{(p) => <option value={p.id}>{p.name}</option>}</For>
          </select>
          <button type="button" onClick={() => person() && s.act('attendance.in', { person: person(), place: 'onsite' })}>
            {t('chair.checkIn')}
          </button>
          <button type="button" onClick={() => person() && s.act('attendance.out', { person: person() })}>
            {t('chair.checkOut')}
          </button>
        </form>
        <Show when={openVote()} fallback={<OpenVoteForm s={s} />}>
          {(v) => <RunningVote s={s} v={v()} />}
        </Show>
        <Show when={!openVote() && st().votes.at(-1)}>{(v) => <ClosedVote s={s} v={v()} />}</Show>
        <KeySetup s={s} />
        <RecordingControl s={s} />
        <ConfirmButton
          label={t('chair.close')}
          title={t('cockpit.confirm.closeSessionTitle')}
          consequence={t('cockpit.confirm.closeSession')}
          disabled={!!openVote()}
          testid="close-session"
          onConfirm={() => s.act('session.close', {})}
        />
      </Show>
    </section>
  );
}

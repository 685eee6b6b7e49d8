/** The chair's vote controls: open a decision or election (open, roll-call, secret), add candidates, close; afterwards postal ballot, run-off and lot. */
import { createSignal, For, Show } from 'solid-js';
import { randomBytes, toHex } from '../../crypto/bytes.js';
import type { VoteMode } from '../../core/entries.js';
import { type Rule, RULES } from '../../core/majority.js';
import type { Vote } from '../../core/state.js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { ConfirmButton } from './cockpit/Confirm.js';
import { optionLabel, personName } from './names.js';

const newId = (prefix: string) => `${prefix}-${toHex(randomBytes(6))}`;

/** "Anna Schmitz, Ben Meyer" → candidates with ids derived from their order. */
const parseCandidates = (text: string) =>
  text
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
    .slice(0, 50)
    .map((name, i) => ({ id: `c${i + 1}`, name: name.slice(0, 200) }));

export function OpenVoteForm(props: { s: Session }) {
  const s = props.s;
  const st = () => s.state();
  const [title, setTitle] = createSignal('');
  const [kind, setKind] = createSignal<'decision' | 'election'>('decision');
  const [candidates, setCandidates] = createSignal('');
  const [mode, setMode] = createSignal<VoteMode>('open');
  const [rule, setRule] = createSignal<Rule>('simple');
  const current = () => st().agenda.find((i) => i.id === st().currentItem);
  const doc = () => (current() && !current()!.public ? 'members' : 'public');
  const key = () => st().keys.find((k) => k.status === 'ready');
  return (
    <form
      class="stack"
      onSubmit={(e) => {
        e.preventDefault();
        const vt = title().trim() || t('chair.defaultVoteTitle', { no: current()?.no ?? '–' });
        const election = kind() === 'election';
        void s.act(
          'vote.open',
          {
            vote: newId('v'),
            item: st().currentItem,
            title: vt.slice(0, 300),
            mode: mode(),
            ...(election ? { kind: 'election' as const, candidates: parseCandidates(candidates()) } : rule() === 'simple' ? {} : { rule: rule() }),
            ...(mode() === 'secret' ? { key: key()!.id } : {}),
          },
          doc(),
        );
        setTitle('');
        setCandidates('');
      }}
    >
      <label for="vote-title">{t('chair.voteTitle')}</label>
      <input id="vote-title" value={title()} onInput={(e) => setTitle(e.currentTarget.value)} maxLength={300} />
      <label for="vote-kind">{t('chair.voteKind')}</label>
      <select id="vote-kind" value={kind()} onChange={(e) => setKind(e.currentTarget.value as 'decision' | 'election')}>
        <option value="decision">{t('vote.kind.decision')}</option>
        <option value="election">{t('vote.kind.election')}</option>
      </select>
      <Show when={kind() === 'election'}>
        <label for="vote-candidates">{t('chair.candidates')}</label>
        <input id="vote-candidates" value={candidates()} onInput={(e) => setCandidates(e.currentTarget.value)} maxLength={5000} />
      </Show>
      <fieldset class="row">
        <legend>{t('chair.voteMode')}</legend>
        <For each={['open', 'roll-call', 'secret'] as VoteMode[]}>
          {(m) => (
            <label>
              <input type="radio" name="mode" value={m} checked={mode() === m} disabled={m === 'secret' && !key()} onChange={() => setMode(m)} /> {t(`vote.mode.${m}`)}
            </label>
          )}
        </For>
      </fieldset>
      <Show when={!key()}>
        <p class="muted">{t('chair.secretNeedsKey')}</p>
      </Show>
      <Show when={kind() === 'decision'}>
        <label for="vote-rule">{t('chair.voteRule')}</label>
        <select id="vote-rule" value={rule()} onChange={(e) => setRule(e.currentTarget.value as Rule)}>
          <For each={[...RULES]}>{(r) => <option value={r}>{t(`rule.${r}`)}</option>}</For>
        </select>
      </Show>
      <button type="submit" class="primary">
        {t('chair.openVote')}
      </button>
    </form>
  );
}

export function RunningVote(props: { s: Session; v: Vote }) {
  const [name, setName] = createSignal('');
  const quorum = () => props.s.state().quorum;
  return (
    <div class="stack">
      <Show when={props.v.canAddCandidate}>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const n = name().trim();
            if (!n) return;
            void props.s.act('vote.candidate', { vote: props.v.id, candidate: { id: `c${props.v.candidates.length + 1}-${toHex(randomBytes(2))}`, name: n.slice(0, 200) } }, props.v.doc);
            setName('');
          }}
        >
          <label for="candidate-name">{t('chair.candidateName')}</label>
          <input id="candidate-name" value={name()} onInput={(e) => setName(e.currentTarget.value)} maxLength={200} />
          <button type="submit">{t('chair.addCandidate')}</button>
        </form>
      </Show>
      <NotVoted s={props.s} v={props.v} />
      <Show when={props.v.mode !== 'secret'}>
        <OnsiteBallot s={props.s} v={props.v} />
      </Show>
      <ConfirmButton
        label={t('chair.closeVote')}
        class="primary"
        title={t('cockpit.confirm.closeVoteTitle')}
        consequence={props.v.received === 0 ? t('cockpit.confirm.closeVoteEmpty') : t('cockpit.confirm.closeVoteQuorum', { present: quorum().present, needed: quorum().needed })}
        ask={props.v.received === 0 || !quorum().quorate}
        testid="close-vote"
        onConfirm={() => props.s.act('vote.close', { vote: props.v.id }, props.v.doc)}
      />
    </div>
  );
}

/** Who present and entitled has not voted yet (the fold's entitlement: present, voting, not conflicted, no ballot). */
function NotVoted(props: { s: Session; v: Vote }) {
  const missing = () => Object.entries(props.v.entitlement ?? {}).filter(([, e]) => e === 'entitled').map(([p]) => p);
  return (
    <div class="not-voted" data-testid="not-voted" aria-live="polite">
      <Show when={missing().length > 0} fallback={<p class="ok">{t('cockpit.allVoted')}</p>}>
        <h3>
          {t('cockpit.notVoted')} ({missing().length})
        </h3>
        <ul class="names">
          <For each={missing()}>{(p) => <li data-person={p}>{personName(props.s.state(), p)}</li>}</For>
        </ul>
      </Show>
    </div>
  );
}

/** VOTE-7: the chair records the ballot of a member checked in on site who has no device (marked in the state). */
function OnsiteBallot(props: { s: Session; v: Vote }) {
  const s = props.s;
  const [person, setPerson] = createSignal('');
  const [choice, setChoice] = createSignal('');
  const onsite = () => Object.entries(props.v.entitlement ?? {}).filter(([p, e]) => e === 'entitled' && s.state().attendance[p]?.place === 'onsite').map(([p]) => p);
  return (
    <Show when={onsite().length > 0}>
      <form
        class="onsite-ballot"
        data-testid="onsite-ballot"
        onSubmit={(e) => {
          e.preventDefault();
          if (!person() || !choice()) return;
          void s.act('vote.onsite', { vote: props.v.id, person: person(), choice: choice() }, props.v.doc);
          setPerson('');
          setChoice('');
        }}
      >
        <fieldset>
          <legend>{t('cockpit.onsite.heading')}</legend>
          <div class="row">
            <label for="onsite-person">{t('cockpit.onsite.person')}</label>
            <select id="onsite-person" value={person()} onChange={(e) => setPerson(e.currentTarget.value)}>
              <option value="">–</option>
              <For each={onsite()}>{(p) => <option value={p}>{personName(s.state(), p)}</option>}</For>
            </select>
            <label for="onsite-choice">{t('cockpit.onsite.choice')}</label>
            <select id="onsite-choice" value={choice()} onChange={(e) => setChoice(e.currentTarget.value)}>
              <option value="">–</option>
              <For each={props.v.options}>{(o) => <option value={o}>{optionLabel(props.v, o, t)}</option>}</For>
            </select>
            <button type="submit">{t('cockpit.onsite.record')}</button>
          </div>
        </fieldset>
      </form>
    </Show>
  );
}

/** After the close: postal ballot and its result, the run-off, the lot. */
export function ClosedVote(props: { s: Session; v: Vote }) {
  const s = props.s;
  const v = () => props.v;
  const [reason, setReason] = createSignal(t('chair.postalDefault'));
  const [counts, setCounts] = createSignal<Record<string, number>>({});
  const key = () => s.state().keys.find((k) => k.id === v().key);
  const runoffOpened = () => s.state().votes.some((x) => x.runoffOf === v().id);
  const drawers = () => (key() ? key()!.trustees : [s.me()!.person]);
  return (
    <div class="stack">
      <Show when={v().mode === 'secret' && !v().postal && !v().counts}>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            void s.act('vote.postal', { vote: v().id, reason: reason().trim().slice(0, 500) || t('chair.postalDefault') }, v().doc);
          }}
        >
          <label for="postal-reason">{t('chair.postalReason')}</label>
          <input id="postal-reason" value={reason()} onInput={(e) => setReason(e.currentTarget.value)} maxLength={500} />
          <button type="submit">{t('chair.postal')}</button>
        </form>
      </Show>
      <Show when={v().postal && !v().counts}>
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void s.act('vote.result', { vote: v().id, counts: Object.fromEntries(v().options.map((o) => [o, counts()[o] ?? 0])) }, v().doc);
          }}
        >
          <fieldset>
            <legend>{t('chair.enterResult')}</legend>
            <For each={v().options}>
              {(o) => (
                <label class="row">
                  {optionLabel(v(), o, t)}
                  <input type="number" min="0" max="100000" data-count={o} value={counts()[o] ?? 0} onInput={(e) => setCounts({ ...counts(), [o]: Math.max(0, Math.floor(Number(e.currentTarget.value) || 0)) })} />
                </label>
              )}
            </For>
          </fieldset>
          <button type="submit">{t('chair.saveResult')}</button>
        </form>
      </Show>
      <Show when={v().runoff && !runoffOpened()}>
        <button
          type="button"
          class="primary"
          onClick={() =>
            s.act(
              'vote.open',
              {
                vote: newId('v'),
                item: v().item,
                title: `${t('vote.runoffOf')}: ${v().title}`.slice(0, 300),
                mode: v().mode,
                kind: 'election',
                runoffOf: v().id,
                candidates: v().runoff!.map((id) => v().candidates.find((c) => c.id === id)!),
                ...(v().key && key()?.status === 'ready' ? { key: v().key! } : {}),
                ...(v().publicResult ? {} : { publicResult: false }),
              },
              v().doc,
            )
          }
        >
          {t('chair.openRunoff')}
        </button>
      </Show>
      <Show when={v().outcome?.kind === 'lot' && !v().lot}>
        <p class="muted">{t('chair.lotHint', { names: drawers().map((p) => personName(s.state(), p)).join(', ') })}</p>
        <button type="button" class="primary" onClick={() => s.act('lot.open', { vote: v().id, drawers: drawers() }, v().doc)}>
          {t('chair.callLot')}
        </button>
      </Show>
    </div>
  );
}

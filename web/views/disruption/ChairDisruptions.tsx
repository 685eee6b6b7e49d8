/**
 * The chair's side of disruptions (DIS-1..4, AV-2): open disruptions with fix attempts and classification,
 * a report received by the second channel, impaired votes to repeat, and the notices of connection quality
 * (from the log) and of the relay's health. Everything is a signed entry; the fold decides what it does.
 */
import { createSignal, For, onCleanup, Show } from 'solid-js';
import { randomBytes, toHex } from '../../../crypto/bytes.js';
import type { Payload } from '../../../core/entries.js';
import type { Disruption, Vote } from '../../../core/state.js';
import { t } from '../../i18n/index.js';
import type { Session } from '../../session.js';
import { ConfirmButton } from '../cockpit/Confirm.js';
import { keyedBy } from '../keyed.js';
import { personName } from '../names.js';
import { clockTime } from './Banner.js';
import { watchHealth } from './health.js';

const newId = (prefix: string) => `${prefix}-${toHex(randomBytes(6))}`;
const OUTCOMES = ['fixed', 'irrelevant', 'own'] as const;

function OpenDisruption(props: { s: Session; d: () => Disruption }) {
  const s = props.s;
  const d = props.d;
  const [note, setNote] = createSignal('');
  const [outcome, setOutcome] = createSignal<(typeof OUTCOMES)[number]>('fixed');
  const [reason, setReason] = createSignal('');
  const ids = { note: `fix-${d().id}`, outcome: `outcome-${d().id}`, reason: `reason-${d().id}` };
  return (
    <li class="stack" data-disruption={d().id}>
      <p>
        {t('dis.interrupted.by', { name: personName(s.state(), d().person), media: t(`dis.media.${d().media}`), time: clockTime(d().at), channel: t(`dis.channel.${d().channel}`) })}
        <Show when={d().presumedOwn}>
          {' '}
          <strong data-testid="presumed-own">{t('dis.presumedOwn')}</strong>
        </Show>
      </p>
      <Show when={d().fixes.length > 0}>
        <p class="muted">{t('dis.fixes', { list: d().fixes.map((f) => `${clockTime(f.at)} ${f.note}`).join('; ') })}</p>
      </Show>
      <form class="row" onSubmit={(e) => (e.preventDefault(), note().trim() && void s.act('disruption.fix', { id: d().id, note: note().trim() }).then(() => setNote('')))}>
        <label for={ids.note}>{t('dis.fix')}</label>
        <input id={ids.note} value={note()} onInput={(e) => setNote(e.currentTarget.value)} maxLength={500} />
        <button type="submit">{t('dis.fix.save')}</button>
      </form>
      <div class="row">
        <label for={ids.outcome}>{t('dis.outcome')}</label>
        <select id={ids.outcome} value={outcome()} onChange={(e) => setOutcome(e.currentTarget.value as (typeof OUTCOMES)[number])}>
          <For each={OUTCOMES}>{(o) => <option value={o}>{t(`dis.outcome.${o}`)}</option>}</For>
        </select>
        <label for={ids.reason}>{t('dis.reason')}</label>
        <input id={ids.reason} value={reason()} onInput={(e) => setReason(e.currentTarget.value)} maxLength={500} required />
        <ConfirmButton
          label={t('dis.resolve')}
          title={t('dis.resolve.title')}
          consequence={t('dis.resolve.consequence')}
          disabled={!reason().trim()}
          testid="resolve-disruption"
          onConfirm={() => s.act('disruption.resolve', { id: d().id, outcome: outcome(), reason: reason().trim() })}
        />
      </div>
    </li>
  );
}

/** DIS-3: a rüge that reached the chair by telephone, e-mail or otherwise, entered with its channel. */
function ChannelReport(props: { s: Session }) {
  const s = props.s;
  const [person, setPerson] = createSignal('');
  const [media, setMedia] = createSignal<Payload<'disruption.report'>['media']>('both');
  const [channel, setChannel] = createSignal<'phone' | 'email' | 'other'>('phone');
  const [note, setNote] = createSignal('');
  return (
    <fieldset class="stack">
      <legend>{t('dis.enter')}</legend>
      <div class="row">
        <label for="dis-person">{t('dis.enter.person')}</label>
        <select id="dis-person" value={person()} onChange={(e) => setPerson(e.currentTarget.value)}>
          <option value="">–</option>
          <For each={s.state().persons}>{(p) => <option value={p.id}>{p.name}</option>}</For>
        </select>
        <label for="dis-channel">{t('dis.enter.channel')}</label>
        <select id="dis-channel" value={channel()} onChange={(e) => setChannel(e.currentTarget.value as 'phone')}>
          <For each={['phone', 'email', 'other'] as const}>{(c) => <option value={c}>{t(`dis.channel.${c}`)}</option>}</For>
        </select>
        <label for="dis-media">{t('dis.enter.media')}</label>
        <select id="dis-media" value={media()} onChange={(e) => setMedia(e.currentTarget.value as 'both')}>
          <For each={['both', 'picture', 'sound'] as const}>{(m) => <option value={m}>{t(`dis.media.${m}`)}</option>}</For>
        </select>
      </div>
      <div class="row">
        <label for="dis-note">{t('dis.enter.note')}</label>
        <input id="dis-note" value={note()} onInput={(e) => setNote(e.currentTarget.value)} maxLength={500} />
        <ConfirmButton
          label={t('dis.enter.save')}
          title={t('dis.report.title')}
          consequence={t('dis.enter.consequence')}
          disabled={!person()}
          testid="enter-disruption"
          onConfirm={() => s.act('disruption.report', { id: newId('d'), person: person(), media: media(), channel: channel(), ...(note().trim() ? { note: note().trim() } : {}) })}
        />
      </div>
    </fieldset>
  );
}

/** DIS-2: a vote impaired by a disruption, repeated as a new vote of the same question (the old one stays, void). */
function RepeatVote(props: { s: Session; v: () => Vote }) {
  const v = props.v;
  const repeat = () => {
    const x = v();
    const p: Payload<'vote.open'> = { vote: newId('v'), item: x.item, title: x.title, mode: x.mode, rule: x.rule, kind: x.kind, repeats: x.id, ...(x.kind === 'election' ? { candidates: x.candidates } : {}), ...(x.key ? { key: x.key } : {}), ...(x.publicResult ? {} : { publicResult: false }) };
    return props.s.act('vote.open', p, x.doc);
  };
  return (
    <li data-impaired={v().id}>
      {t('dis.impaired', { title: v().title })}{' '}
      <ConfirmButton label={t('dis.repeat')} title={t('dis.repeat.title')} consequence={t('dis.repeat.consequence', { title: v().title })} disabled={props.s.state().disruption.interrupted !== null} testid="repeat-vote" onConfirm={repeat} />
    </li>
  );
}

export function ChairDisruptions(props: { s: Session }) {
  const s = props.s;
  const st = () => s.state();
  const ds = () => st().disruption;
  const open = keyedBy(() => ds().disruptions.filter((d) => d.status === 'open'), (d) => d.id);
  const impaired = keyedBy(() => st().votes.filter((v) => v.impaired && !v.void), (v) => v.id);
  const weak = () => Object.entries(ds().quality).filter(([, q]) => q.quality === 'poor' || q.quality === 'lost');
  const pendingDrops = () => ds().drops.filter((d) => d.status === 'unreported');
  const refused = () => {
    const mine = s.replica.deviceKey ?? '';
    const last = st().rejected.findLast((r) => r.author === mine);
    return last?.reason.includes('the session is interrupted') ? last : undefined;
  };
  const [health, setHealth] = createSignal<string[]>([]);
  onCleanup(watchHealth(setHealth));
  return (
    <section class="stack disruptions" aria-labelledby="dis-h" data-testid="chair-disruptions">
      <h3 id="dis-h">{t('dis.heading')}</h3>
      <Show when={refused()}>
        <p class="alert" role="alert" data-testid="refused">
          {t('dis.refused')}
        </p>
      </Show>
      <Show when={health().length > 0}>
        <p class="alert" role="status" data-testid="health-alert">
          {t('dis.health', { list: health().map((h) => t(`dis.health.${h}` as 'dis.health.sync-latency')).join(', ') })}
        </p>
      </Show>
      <Show when={weak().length > 0}>
        <ul class="quality-alerts" data-testid="quality-alerts">
          <For each={weak()}>{([p, q]) => <li data-person={p} data-quality={q.quality}>{t('dis.quality', { name: personName(st(), p), quality: t(`video.quality.${q.quality}`), time: clockTime(q.at) })}</li>}</For>
        </ul>
      </Show>
      <Show when={pendingDrops().length > 0}>
        <ul data-testid="pending-drops">
          <For each={pendingDrops()}>{(d) => <li>{t('dis.drop', { name: personName(st(), d.person), time: clockTime(d.from), until: clockTime(d.from + ds().rules.reportMinutes * 60_000) })}</li>}</For>
        </ul>
      </Show>
      <Show when={open.keys().length > 0}>
        <ul class="open-disruptions">
          <For each={open.keys()}>{(id) => <OpenDisruption s={s} d={open.item(id)} />}</For>
        </ul>
      </Show>
      <Show when={impaired.keys().length > 0}>
        <ul data-testid="impaired-votes">
          <For each={impaired.keys()}>{(id) => <RepeatVote s={s} v={impaired.item(id)} />}</For>
        </ul>
      </Show>
      <ChannelReport s={s} />
    </section>
  );
}

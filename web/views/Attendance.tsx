/** Members by faction with their attendance and whether they are connected (VID-3). */
import { For, Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';
import { factionName } from './names.js';
import { ExclusionMark } from './nonpublic/Conflicts.js';

export function Attendance(props: { s: Session }) {
  const st = () => props.s.state();
  const person = (id: string) => st().persons.find((p) => p.id === id)!;
  const connected = (person: string) => props.s.presence().some((d) => d.person === person);
  // VID-3: everyone, the public included, sees who is connected (the public by person, from the relay).
  const showConnection = () => true;
  return (
    <section class="card" aria-labelledby="att-h">
      <h2 id="att-h">{t('attendance')}</h2>
      <For each={st().attendanceByFaction}>
        {(g) => (
          <div class="faction">
            <h3>
              {g.faction === null ? t('noFaction') : factionName(st(), g.faction)} <span class="muted">({g.present}/{g.persons.length})</span>
            </h3>
            <ul class="people">
              <For each={g.persons.map(person)}>
                {(p) => {
                  const a = () => st().attendance[p.id];
                  return (
                    <li data-person={p.id}>
                      <span class={`dot ${a()?.present ? 'on' : 'off'}`} aria-hidden="true" />
                      {p.name}
                      <Show when={!p.voting}>
                        <span class="tag">{t('advisoryMark')}</span>
                      </Show>
                      <span class="muted">
                        {' – '}
                        {a()?.present ? `${t('present')} (${t(a()!.place === 'onsite' ? 'onsite' : 'remote')})` : t('absent')}
                        <Show when={showConnection()}>, {connected(p.id) ? t('connected') : t('notConnected')}</Show>
                      </span>{' '}
                      <ExclusionMark s={props.s} person={p.id} />
                    </li>
                  );
                }}
              </For>
            </ul>
          </div>
        )}
      </For>
    </section>
  );
}

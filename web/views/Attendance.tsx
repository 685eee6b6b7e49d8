/** Members by faction with their attendance; connection shown to devices that get presence. */
import { For, Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';

export function Attendance(props: { s: Session }) {
  const st = () => props.s.state();
  const groups = () => {
    const s = st();
    const out = s.factions.map((f) => ({ id: f.id, name: f.name, persons: s.persons.filter((p) => p.faction === f.id) }));
    const rest = s.persons.filter((p) => !s.factions.some((f) => f.id === p.faction));
    if (rest.length) out.push({ id: '-', name: t('noFaction'), persons: rest });
    return out;
  };
  const connected = (person: string) => props.s.presence().some((d) => d.person === person);
  const showConnection = () => !!props.s.replica.deviceKey;
  return (
    <section class="card" aria-labelledby="att-h">
      <h2 id="att-h">{t('attendance')}</h2>
      <For each={groups()}>
        {(g) => (
          <div class="faction">
            <h3>
              {g.name} <span class="muted">({g.persons.filter((p) => st().attendance[p.id]?.present).length}/{g.persons.length})</span>
            </h3>
            <ul class="people">
              <For each={g.persons}>
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
                      </span>
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

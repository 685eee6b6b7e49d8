/** The agenda, the current item marked, non-public items labelled. */
import { For, Show } from 'solid-js';
import { t } from '../i18n/index.js';
import type { Session } from '../session.js';

export function Agenda(props: { s: Session }) {
  const st = () => props.s.state();
  return (
    <section class="card" aria-labelledby="agenda-h">
      <h2 id="agenda-h">{t('agenda')}</h2>
      <ol class="agenda">
        <For each={st().agenda}>
          {(i) => (
            <li classList={{ current: st().currentItem === i.id }} aria-current={st().currentItem === i.id ? 'step' : undefined}>
              <span class="no">TOP {i.no}</span> {i.title}
              <Show when={!i.public}>
                <span class="tag">{t('nonPublic')}</span>
              </Show>
              <Show when={st().currentItem === i.id}>
                <span class="tag strong">{t('current')}</span>
              </Show>
            </li>
          )}
        </For>
      </ol>
    </section>
  );
}

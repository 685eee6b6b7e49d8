/** The minutes data as sections of blocks (core/minutes.ts); a draft slot is an editable field where `edit` is given. */
import { For, Match, Show, Switch } from 'solid-js';
import type { Block, MinutesSection } from '../../../core/minutes.js';
import { t } from '../../i18n/index.js';

/** An id for HTML built from a draft slot key (`item:top3`). */
export const fieldId = (key: string) => `draft-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export function Sections(props: { sections: MinutesSection[]; field: (b: Extract<Block, { type: 'draft' }>) => unknown }) {
  return (
    <For each={props.sections}>
      {(sec) => (
        <section class="card" aria-labelledby={`min-${sec.id}`} data-section={sec.id}>
          <h2 id={`min-${sec.id}`}>{sec.title}</h2>
          <For each={sec.blocks}>{(b) => <BlockView block={b} field={props.field} />}</For>
        </section>
      )}
    </For>
  );
}

function BlockView(props: { block: Block; field: (b: Extract<Block, { type: 'draft' }>) => unknown }) {
  const b = props.block;
  return (
    <Switch>
      <Match when={b.type === 'fields' && b}>
        {(f) => (
          <dl class="minutes-fields">
            <For each={f().rows}>
              {([label, value]) => (
                <>
                  <dt>{label}</dt>
                  <dd>{value}</dd>
                </>
              )}
            </For>
          </dl>
        )}
      </Match>
      <Match when={b.type === 'table' && b}>
        {(tb) => (
          // Wide tables scroll on a phone; the region is focusable so the keyboard scrolls it too.
          <div class="table-scroll" role="region" tabindex="0" aria-label={tb().caption ?? tb().head.join(', ')}>
            <table>
              <Show when={tb().caption}>
                <caption>{tb().caption}</caption>
              </Show>
              <thead>
                <tr>
                  <For each={tb().head}>{(h) => <th scope="col">{h}</th>}</For>
                </tr>
              </thead>
              <tbody>
                <For each={tb().rows}>
                  {(row) => (
                    <tr>
                      <For each={row}>{(cell) => <td>{cell}</td>}</For>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        )}
      </Match>
      <Match when={b.type === 'text' && b}>{(x) => <p>{x().text}</p>}</Match>
      <Match when={b.type === 'draft' && b}>{(d) => <>{props.field(d())}</>}</Match>
    </Switch>
  );
}

/** A draft slot as text, for readers who do not edit. */
export function DraftText(props: { block: Extract<Block, { type: 'draft' }> }) {
  return (
    <div class="stack" data-draft={props.block.key}>
      <h3>{props.block.label}</h3>
      <p class="draft-text">{props.block.text || t('minutes.empty')}</p>
    </div>
  );
}

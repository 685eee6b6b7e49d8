/** The minutes data as sections of blocks (core/minutes.ts); a draft slot is an editable field where `edit` is given. */
import { For, type JSX, Match, Show, Switch, untrack } from 'solid-js';
import type { Block, MinutesSection } from '../../../core/minutes.js';
import { t } from '../../i18n/index.js';
import { keyedBy } from '../keyed.js';

export type DraftBlock = Extract<Block, { type: 'draft' }>;
/** Renders a draft slot once; `block` follows the folds (a field re-created per fold would lose focus and cursor). */
type Field = (block: () => DraftBlock) => JSX.Element;

/** An id for HTML built from a draft slot key (`item:top3`). */
export const fieldId = (key: string) => `draft-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export function Sections(props: { sections: MinutesSection[]; field: Field }) {
  // Keyed by section id and block (a draft slot by its key): every fold makes new objects, and the editor's field must stay.
  const sections = keyedBy(() => props.sections, (sec) => sec.id);
  return (
    <For each={sections.keys()}>
      {(id) => {
        const sec = sections.item(id);
        const blocks = keyedBy(() => sec().blocks, (b, i) => (b.type === 'draft' ? `draft ${b.key}` : `${b.type} ${i}`));
        return (
          <section class="card" aria-labelledby={`min-${id}`} data-section={id}>
            <h2 id={`min-${id}`}>{sec().title}</h2>
            <For each={blocks.keys()}>{(k) => <BlockView block={blocks.item(k)} field={props.field} />}</For>
          </section>
        );
      }}
    </For>
  );
}

function BlockView(props: { block: () => Block; field: Field }) {
  const b = props.block;
  return (
    <Switch>
      <Match when={b().type === 'fields' && (b() as Extract<Block, { type: 'fields' }>)}>
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
      <Match when={b().type === 'table' && (b() as Extract<Block, { type: 'table' }>)}>
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
      <Match when={b().type === 'text' && (b() as Extract<Block, { type: 'text' }>)}>{(x) => <p>{x().text}</p>}</Match>
      <Match when={b().type === 'draft' && (b() as DraftBlock)}>{(d) => untrack(() => props.field(d))}</Match>
    </Switch>
  );
}

/** A draft slot as text, for readers who do not edit. */
export function DraftText(props: { block: () => DraftBlock }) {
  return (
    <div class="stack" data-draft={props.block().key}>
      <h3>{props.block().label}</h3>
      <p class="draft-text">{props.block().text || t('minutes.empty')}</p>
    </div>
  );
}

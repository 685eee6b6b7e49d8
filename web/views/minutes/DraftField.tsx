/** One text part of the minutes draft: a labelled textarea bound to its Y.Text, kept in place while others write. */
import { createEffect } from 'solid-js';
import type { Block } from '../../../core/minutes.js';
import type { DraftDoc } from './draft.js';
import { fieldId } from './Sections.js';

export function DraftField(props: { block: Extract<Block, { type: 'draft' }>; draft: DraftDoc; disabled: boolean }) {
  let area: HTMLTextAreaElement | undefined;
  const id = fieldId(props.block.key);
  createEffect(() => {
    const value = props.draft.text(props.block.key);
    if (!area || area.value === value) return;
    // Someone else's change: keep this writer's cursor where it was (clamped to the new length).
    const [from, to] = [area.selectionStart, area.selectionEnd];
    area.value = value;
    if (document.activeElement === area) area.setSelectionRange(Math.min(from, value.length), Math.min(to, value.length));
  });
  return (
    <div class="stack" data-draft={props.block.key}>
      <label for={id}>{props.block.label}</label>
      <textarea
        id={id}
        ref={area}
        rows={5}
        aria-describedby="minutes-intro"
        disabled={props.disabled}
        onInput={(e) => props.draft.set(props.block.key, e.currentTarget.value)}
        onBlur={() => void props.draft.flush()}
      />
    </div>
  );
}

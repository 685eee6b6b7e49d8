/** One text part of the minutes draft: a labelled textarea bound to its Y.Text, kept in place while others write. */
import { createEffect } from 'solid-js';
import type { DraftDoc } from './draft.js';
import { type DraftBlock, fieldId } from './Sections.js';

export function DraftField(props: { block: () => DraftBlock; draft: DraftDoc; disabled: boolean }) {
  let area: HTMLTextAreaElement | undefined;
  const key = props.block().key; // the slot this field edits: fixed (Sections keys a field by it)
  const id = fieldId(key);
  createEffect(() => {
    const value = props.draft.text(key);
    if (!area || area.value === value) return;
    // Someone else's change: keep this writer's cursor where it was (clamped to the new length).
    const [from, to] = [area.selectionStart, area.selectionEnd];
    area.value = value;
    if (document.activeElement === area) area.setSelectionRange(Math.min(from, value.length), Math.min(to, value.length));
  });
  return (
    <div class="stack" data-draft={key}>
      <label for={id}>{props.block().label}</label>
      <textarea
        id={id}
        ref={area}
        rows={5}
        aria-describedby="minutes-intro"
        disabled={props.disabled}
        onInput={(e) => props.draft.set(key, e.currentTarget.value)}
        onBlur={() => void props.draft.flush()}
      />
    </div>
  );
}

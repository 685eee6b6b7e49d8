/** The security handbook (SEC-2) and privacy information (DS-1): read in the app or as PDF, acknowledged by a signed entry. */
import { createResource, For, Show } from 'solid-js';
import { lang, t } from '../i18n/index.js';
import type { Session } from '../session.js';
import * as idb from '../store/idb.js';

type Kind = 'security' | 'privacy';
type Block = { tag: 'h' | 'li' | 'p'; text: string };

/** Just enough Markdown for these texts: headings, bullets, paragraphs; emphasis marks dropped. */
function blocks(md: string): Block[] {
  return md
    .split(/\n\s*\n|\n(?=[-#])/)
    .map((chunk) => chunk.trim().replace(/\*\*|__|`/g, ''))
    .filter(Boolean)
    .map((c) => (c.startsWith('#') ? { tag: 'h', text: c.replace(/^#+\s*/, '') } : c.startsWith('- ') ? { tag: 'li', text: c.slice(2) } : { tag: 'p', text: c }));
}

function Text(props: { s: Session; kind: Kind }) {
  // Filled with this tenant's settings; the version a member acknowledges is that of the filled text.
  const tenantId = () => props.s.ref.split('/')[0]!;
  const tenant = () => encodeURIComponent(tenantId());
  const [doc] = createResource(
    () => [props.kind, lang()] as const,
    async ([kind, l]) => {
      const slot = `${kind}/${l}`;
      const r = await fetch(`/api/handbook/${kind}/${l}?tenant=${tenant()}`).catch(() => undefined);
      if (r?.ok) {
        const text = (await r.json()) as { markdown: string; version: string };
        await idb.updateMeta(tenantId(), '', (m) => ({ ...m, texts: { ...m.texts, [slot]: { markdown: text.markdown, version: text.version } } }));
        return text;
      }
      // Offline (or the relay is down): the text this device last read, with its version.
      const kept = (await idb.getMeta(tenantId(), '')).texts?.[slot];
      if (!kept) throw new Error(String(r?.status ?? 'offline'));
      return kept;
    },
  );
  const me = () => props.s.me()?.person;
  const acked = () => props.s.state().acknowledgements.find((a) => a.person === me() && a.kind === props.kind && a.version === doc()?.version);
  return (
    <div class="stack" data-handbook={props.kind}>
      <h3>{t(`handbook.${props.kind}`)}</h3>
      <Show when={!doc.error} fallback={<p class="muted">{t('handbook.unavailable')}</p>}>
        <details>
          <summary>{t('handbook.read')}</summary>
          <div class="handbook-text">
            <For each={blocks(doc()?.markdown ?? '')}>
              {(b) => (b.tag === 'h' ? <h4>{b.text}</h4> : b.tag === 'li' ? <p class="bullet">• {b.text}</p> : <p>{b.text}</p>)}
            </For>
          </div>
        </details>
        <a href={`/api/handbook/${props.kind}/${lang()}.pdf?tenant=${tenant()}`} download="">
          {t('handbook.pdf')}
        </a>
        <Show
          when={acked()}
          fallback={
            <button type="button" disabled={!doc()} onClick={() => props.s.act('handbook.ack', { kind: props.kind, version: doc()!.version }, 'members')}>
              {t('handbook.ack')}
            </button>
          }
        >
          {(a) => <p class="ok">{t('handbook.acked', { date: new Date(a().at).toLocaleString(lang() === 'de' ? 'de-DE' : 'en-GB') })}</p>}
        </Show>
      </Show>
    </div>
  );
}

export function Handbook(props: { s: Session }) {
  return (
    <section class="card" aria-labelledby="handbook-h">
      <h2 id="handbook-h">{t('handbook.heading')}</h2>
      <Text s={props.s} kind="security" />
      <Text s={props.s} kind="privacy" />
    </section>
  );
}

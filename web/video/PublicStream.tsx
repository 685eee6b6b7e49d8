/** The public's stream player (owned by the video client work; placeholder until it lands). */
import type { Session } from '../session.js';

export function PublicStream(_props: { s: Session }) {
  return <section class="card public-stream" aria-label="Übertragung" />;
}

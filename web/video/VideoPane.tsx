/** The video area of the meeting page (owned by the video client work; placeholder until it lands). */
import type { Session } from '../session.js';

export function VideoPane(_props: { s: Session }) {
  return <section class="card video-pane" aria-label="Video" />;
}

/**
 * One media element for a stream. Sound plays from the element itself (muted only where the fold says so);
 * where the browser's autoplay policy blocks it, `onBlocked` lets the page offer *Ton einschalten*.
 */
import { createEffect, on, onCleanup } from 'solid-js';

export function Media(props: { stream: MediaStream; muted: boolean; hidden?: boolean; label: string; onBlocked?: () => void; person?: string }) {
  let el!: HTMLVideoElement;
  createEffect(() => (el.muted = props.muted));
  // Only a new stream is played anew. The tile's props are recomputed on every presence update (about once a
  // second per participant), and assigning even the same stream again runs the element's load algorithm: the
  // picture restarts and a page of six spends its main thread on it.
  createEffect(
    on(
      () => props.stream,
      (stream) => {
        if (el.srcObject === stream) return;
        el.srcObject = stream;
        el.play().catch((e: Error) => e.name === 'NotAllowedError' && props.onBlocked?.());
      },
    ),
  );
  onCleanup(() => (el.srcObject = null));
  return <video ref={el} class="video-media" classList={{ 'video-hidden': !!props.hidden }} autoplay playsinline aria-label={props.label} data-person={props.person} />;
}

/** After a click (a user gesture), every paused media element of the page may play with sound. */
export const playAll = () => document.querySelectorAll('video').forEach((v) => void v.play().catch(() => {}));

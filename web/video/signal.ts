/**
 * The /video socket (core/video-wire.ts): opens with `hello` and a one-time ticket from the sync connection,
 * at the relay that issued it (a backup relay while the primary is down: DIS-5), carries JSON frames, and
 * reconnects with a fresh ticket when the line drops. Close codes that a retry cannot
 * cure at once (removed, locked) are retried slowly: the chair may readmit or unlock.
 */
import { type Accessor, createSignal } from 'solid-js';
import { VIDEO_CLOSE, type VideoClientMessage, type VideoServerMessage } from '../../core/video-wire.js';

export type SignalStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';
/** Why the socket was closed by the relay, as a key of the catalogue (`video.close.*`). */
export type CloseReason = 'ticket' | 'removed' | 'locked' | 'sfuDown' | 'protocol' | 'meshFull';

const BACKOFF_MS = [500, 1000, 2000, 4000];
const SLOW_MS = 5000;
const reasonOf = (code: number): CloseReason | undefined => (Object.entries(VIDEO_CLOSE).find(([, c]) => c === code)?.[0] as CloseReason | undefined);

export class VideoSignal {
  readonly status: Accessor<SignalStatus>;
  readonly closeReason: Accessor<CloseReason | undefined>;
  private readonly setStatus: (s: SignalStatus) => void;
  private readonly setReason: (r: CloseReason | undefined) => void;
  private ws: WebSocket | undefined;
  private stopped = false;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly handlers = new Set<(m: VideoServerMessage) => void>();

  /** The address of the socket opened last (the mesh's PeerJS socket goes to the same relay). */
  url = '';

  constructor(private readonly access: () => Promise<{ ticket: string; url: string }>) {
    [this.status, this.setStatus] = createSignal<SignalStatus>('connecting');
    [this.closeReason, this.setReason] = createSignal<CloseReason>();
    globalThis.addEventListener?.('offline', this.onOffline);
    void this.connect();
  }

  /** The browser says the network is gone: reconnect (with a fresh ticket) once it is back, not on a dead socket. */
  private readonly onOffline = () => this.ws?.close();

  /** The session moved to the relay at `url` (its /video address): leave the old one, a fresh ticket takes us there. */
  follow(url: string): void {
    if (this.ws && this.url !== url) this.ws.close();
  }

  onMessage(h: (m: VideoServerMessage) => void): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }

  send(m: VideoClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  close(): void {
    this.stopped = true;
    globalThis.removeEventListener?.('offline', this.onOffline);
    clearTimeout(this.retry);
    this.send({ t: 'leave' });
    this.ws?.close();
    this.ws = undefined;
    this.setStatus('closed');
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const { ticket, url } = await this.access();
    if (this.stopped) return;
    this.url = url;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ t: 'hello', ticket } satisfies VideoClientMessage));
    ws.onmessage = (ev) => {
      if (this.ws !== ws || typeof ev.data !== 'string') return;
      let m: VideoServerMessage;
      try {
        m = JSON.parse(ev.data) as VideoServerMessage;
      } catch {
        return;
      }
      if (m.t === 'ready') {
        this.attempt = 0;
        this.setReason(undefined);
        this.setStatus('connected');
      }
      for (const h of this.handlers) h(m);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      const reason = reasonOf(ev.code);
      this.setReason(reason);
      if (this.stopped) return;
      this.setStatus('reconnecting');
      const slow = reason === 'removed' || reason === 'locked' || reason === 'meshFull';
      const delay = slow ? SLOW_MS : BACKOFF_MS[Math.min(this.attempt++, BACKOFF_MS.length - 1)]!;
      this.retry = setTimeout(() => void this.connect(), delay);
    };
  }
}

/**
 * A small client of Janus' WebSocket APIs (https://janus.conf.meetecho.com/docs/rest.html): the Janus API
 * (protocol `janus-protocol`: sessions, handles, plugin messages with JSEP, trickle, asynchronous events)
 * and the Admin API (protocol `janus-admin-protocol`: tokens). One connection carries every session.
 */
import WebSocket from 'ws';
import { randomBytes } from 'node:crypto';

type Json = Record<string, unknown>;
export interface JanusJsep {
  type: 'offer' | 'answer';
  sdp: string;
}
export interface PluginReply {
  data: Json;
  jsep?: JanusJsep;
}
/** An asynchronous event on a handle: plugin events, webrtcup, media, hangup, slowlink, trickle, detached. */
export interface HandleEvent {
  janus: string;
  data?: Json;
  jsep?: JanusJsep;
  raw: Json;
}

export class JanusError extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(`janus ${code}: ${reason}`);
  }
}

const REQUEST_MS = 10_000;

class Connection {
  private readonly pending = new Map<string, { ok: (m: Json) => void; fail: (e: Error) => void; acked: boolean; timer: ReturnType<typeof setTimeout> }>();
  readonly handles = new Map<number, (e: HandleEvent) => void>();
  readonly sessionsGone = new Map<number, () => void>();
  private closedCb: (() => void)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => this.onMessage(JSON.parse(String(d)) as Json));
    ws.on('close', () => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.fail(new Error('janus: connection closed'));
      }
      this.pending.clear();
      for (const f of this.closedCb) f();
    });
    ws.on('error', () => {});
  }

  static open(url: string, protocol: string): Promise<Connection> {
    return new Promise((ok, fail) => {
      const ws = new WebSocket(url, protocol);
      ws.once('open', () => ok(new Connection(ws)));
      ws.once('error', fail);
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  onClose(f: () => void): void {
    this.closedCb.push(f);
  }

  /** Sends a request; resolves with the reply (for plugin messages answered asynchronously: the event after the ack). */
  request(body: Json, ackEnds = false): Promise<Json> {
    const transaction = randomBytes(12).toString('hex');
    return new Promise((ok, fail) => {
      if (!this.open) return fail(new Error('janus: connection closed'));
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        fail(new Error(`janus: no answer to ${String(body.janus)} ${String((body.body as Json | undefined)?.request ?? '')}`));
      }, REQUEST_MS);
      this.pending.set(transaction, { ok, fail, acked: ackEnds, timer });
      this.ws.send(JSON.stringify({ ...body, transaction }));
    });
  }

  private onMessage(m: Json): void {
    const t = typeof m.transaction === 'string' ? this.pending.get(m.transaction) : undefined;
    if (t) {
      if (m.janus === 'ack' && !t.acked) {
        // Plugin messages answered later send an ack first, then the event; trickle and keepalive end with it.
        t.acked = true;
        return;
      }
      clearTimeout(t.timer);
      this.pending.delete(m.transaction as string);
      if (m.janus === 'error') {
        const e = m.error as { code: number; reason: string };
        return t.fail(new JanusError(e.code, e.reason));
      }
      return t.ok(m);
    }
    const sender = typeof m.sender === 'number' ? m.sender : undefined;
    if (m.janus === 'timeout' && typeof m.session_id === 'number') this.sessionsGone.get(m.session_id)?.();
    if (sender === undefined) return;
    const pd = m.plugindata as { data?: Json } | undefined;
    this.handles.get(sender)?.({ janus: String(m.janus), data: pd?.data, jsep: m.jsep as JanusJsep | undefined, raw: m });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Turns a plugin reply into data, throwing the plugin's own error codes (e.g. 433 unauthorized, 429 wrong pin). */
function pluginReply(m: Json): PluginReply {
  const data = ((m.plugindata as { data?: Json } | undefined)?.data ?? {}) as Json;
  if (typeof data.error_code === 'number') throw new JanusError(data.error_code, String(data.error ?? 'plugin error'));
  return { data, jsep: m.jsep as JanusJsep | undefined };
}

export class Handle {
  private listeners = new Set<(e: HandleEvent) => void>();

  constructor(
    readonly session: Session,
    readonly id: number,
    readonly plugin: string,
  ) {
    session.conn.handles.set(id, (e) => {
      for (const f of this.listeners) f(e);
    });
  }

  on(f: (e: HandleEvent) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  async message(body: Json, jsep?: JanusJsep): Promise<PluginReply> {
    const m = await this.session.send({ janus: 'message', handle_id: this.id, body, ...(jsep ? { jsep } : {}) });
    return pluginReply(m);
  }

  async trickle(candidate: Json | null): Promise<void> {
    await this.session.send({ janus: 'trickle', handle_id: this.id, candidate: candidate ?? { completed: true } }, true);
  }

  async detach(): Promise<void> {
    this.session.conn.handles.delete(this.id);
    await this.session.send({ janus: 'detach', handle_id: this.id }).catch(() => {});
  }
}

export class Session {
  private keepalive: ReturnType<typeof setInterval> | undefined;

  private constructor(
    readonly conn: Connection,
    readonly id: number,
    private readonly token: string | undefined,
  ) {
    this.keepalive = setInterval(() => void this.send({ janus: 'keepalive' }, true).catch(() => {}), 20_000);
  }

  static async create(conn: Connection, token?: string): Promise<Session> {
    const m = await conn.request({ janus: 'create', ...(token ? { token } : {}) });
    return new Session(conn, (m.data as { id: number }).id, token);
  }

  send(body: Json, ackEnds = false): Promise<Json> {
    return this.conn.request({ ...body, session_id: this.id, ...(this.token ? { token: this.token } : {}) }, ackEnds);
  }

  async attach(plugin: string): Promise<Handle> {
    const m = await this.send({ janus: 'attach', plugin });
    return new Handle(this, (m.data as { id: number }).id, plugin);
  }

  async destroy(): Promise<void> {
    clearInterval(this.keepalive);
    this.keepalive = undefined;
    if (this.conn.open) await this.send({ janus: 'destroy' }).catch(() => {});
  }
}

export const VIDEOROOM = 'janus.plugin.videoroom';
export const STREAMING = 'janus.plugin.streaming';

/** The Janus API over one WebSocket. */
export class JanusClient {
  private constructor(readonly conn: Connection) {}

  static async connect(url: string): Promise<JanusClient> {
    return new JanusClient(await Connection.open(url, 'janus-protocol'));
  }

  session(token?: string): Promise<Session> {
    return Session.create(this.conn, token);
  }

  async info(): Promise<Json> {
    return this.conn.request({ janus: 'info' });
  }

  onClose(f: () => void): void {
    this.conn.onClose(f);
  }

  close(): void {
    this.conn.close();
  }
}

/** The Admin API: tokens limited to named plugins (token_auth). */
export class JanusAdmin {
  private constructor(
    private readonly conn: Connection,
    private readonly secret: string,
  ) {}

  static async connect(url: string, secret: string): Promise<JanusAdmin> {
    return new JanusAdmin(await Connection.open(url, 'janus-admin-protocol'), secret);
  }

  private call(body: Json): Promise<Json> {
    return this.conn.request({ ...body, admin_secret: this.secret });
  }

  async addToken(token: string, plugins: readonly string[]): Promise<void> {
    await this.call({ janus: 'add_token', token, plugins });
  }

  async removeToken(token: string): Promise<void> {
    await this.call({ janus: 'remove_token', token }).catch(() => {}); // gone with a restart already
  }

  async listTokens(): Promise<{ token: string; allowed_plugins: string[] }[]> {
    const m = await this.call({ janus: 'list_tokens' });
    return ((m.data as { tokens?: { token: string; allowed_plugins: string[] }[] }).tokens ?? []);
  }

  close(): void {
    this.conn.close();
  }
}

export const newToken = (): string => randomBytes(24).toString('hex');

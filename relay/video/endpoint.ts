/**
 * The WebSocket endpoint /video (docs/PROTOCOL.md, "Video") on the relay's HTTP server, next to /sync:
 * both listen to the server's `upgrade`, so each leaves the other's path alone. Text frames only, parsed by
 * core/video-wire.ts; a frame limit and a token bucket per socket; the first frame must be `hello` with a
 * valid ticket within the timeout, else close 4401.
 */
import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { parseVideoClient, VIDEO_CLOSE, VIDEO_LIMITS } from '../../core/video-wire.js';
import { Bucket } from '../sync/limits.js';
import type { VideoConn } from './connection.js';
import type { VideoService } from './service.js';

export const VIDEO_PATH = '/video';
const HELLO_MS = 10_000;
/** Frames over the limit still arrive (and get an `error`) up to this size; beyond it ws closes with 1009. */
const MAX_PAYLOAD = 4 * VIDEO_LIMITS.frame;

export interface VideoEndpoint {
  close(): Promise<void>;
}

export function videoEndpoint(server: Server, video: VideoService, log: (m: string) => void): VideoEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });

  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== VIDEO_PATH) return; // /sync's (or nobody's: sync destroys it)
    wss.handleUpgrade(req, socket, head, (ws) => {
      const say = (code: string, message: string) => ws.send(JSON.stringify({ t: 'error', code, message }));
      const sock = { send: (text: string) => ws.readyState === ws.OPEN && ws.send(text), close: (code: number, reason: string) => ws.close(code, reason) };
      const rate = new Bucket({ burst: VIDEO_LIMITS.perSecond, perSecond: VIDEO_LIMITS.perSecond });
      let conn: VideoConn | undefined;
      let greeting = false;
      let queue: Promise<void> = Promise.resolve();
      const timer = setTimeout(() => !conn && ws.close(VIDEO_CLOSE.ticket, 'no hello'), HELLO_MS);
      ws.on('message', (data, isBinary) => {
        if (!rate.take()) return say('rate-limit', `more than ${VIDEO_LIMITS.perSecond} frames per second`);
        if (isBinary) return say('bad-frame', 'text frames only');
        const text = String(data);
        if (text.length > VIDEO_LIMITS.frame) return say('too-large', `frames are at most ${VIDEO_LIMITS.frame} bytes`);
        let msg;
        try {
          msg = parseVideoClient(text);
        } catch (e) {
          return say('bad-frame', (e as Error).message);
        }
        if (!greeting) {
          if (msg.t !== 'hello') return say('protocol', 'say hello with a ticket first');
          greeting = true; // one hello per socket, also while its ticket is looked up
          clearTimeout(timer);
          queue = video.takeTicket(msg.ticket).then(
            async (t) => {
              if (!t) {
                say('ticket', 'unknown, used or expired ticket');
                return ws.close(VIDEO_CLOSE.ticket, 'bad ticket');
              }
              const c = await video.open(t, sock);
              conn = c;
              return ws.readyState === ws.OPEN ? c.start() : c.close();
            },
            (e) => {
              log(`video: opening a socket failed: ${(e as Error).message}`);
              ws.close(VIDEO_CLOSE.sfuDown, 'video unavailable');
            },
          );
          return;
        }
        const m = msg;
        queue = queue.then(() => conn?.handle(m)).catch((e) => log(`video: handling ${m.t} failed: ${(e as Error).message}`));
      });
      ws.on('close', () => {
        clearTimeout(timer);
        void conn?.close();
      });
      ws.on('error', (e) => log(`video: websocket error: ${e.message}`));
    });
  });

  return {
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

/**
 * Connection figures for the chair's quality marks (AV-2): every 2 s the device reads getStats() of its
 * connections and sends the differences over the interval as `stats` (core/video-wire.ts statsReport).
 */
import type { StatsReport } from '../../core/video-wire.js';
import type { VideoClient } from './client.js';
import type { VideoSignal } from './signal.js';

export const STATS_MS = 2000;

interface Totals {
  at: number;
  sent: number; // bytes
  received: number;
  lost: number; // inbound packets
  packets: number;
  frames: number; // decoded
  audioOut: number; // packets sent
  videoOut: number;
  rtt: number | null; // ms, the worst nominated candidate pair
}

async function totals(pcs: RTCPeerConnection[]): Promise<Totals> {
  const t: Totals = { at: Date.now(), sent: 0, received: 0, lost: 0, packets: 0, frames: 0, audioOut: 0, videoOut: 0, rtt: null };
  for (const pc of pcs) {
    const report = await pc.getStats();
    report.forEach((r: Record<string, unknown> & { type: string }) => {
      const n = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : 0);
      if (r.type === 'outbound-rtp') {
        t.sent += n('bytesSent');
        if (r.kind === 'audio') t.audioOut += n('packetsSent');
        else t.videoOut += n('packetsSent');
      } else if (r.type === 'inbound-rtp') {
        t.received += n('bytesReceived');
        t.lost += Math.max(0, n('packetsLost'));
        t.packets += n('packetsReceived');
        if (r.kind === 'video') t.frames += n('framesDecoded');
      } else if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded' && typeof r.currentRoundTripTime === 'number') {
        t.rtt = Math.max(t.rtt ?? 0, r.currentRoundTripTime * 1000);
      }
    });
  }
  return t;
}

const clamp = (x: number, max: number) => Math.min(max, Math.max(0, x));

export function report(a: Totals, b: Totals): StatsReport {
  const s = Math.max(0.001, (b.at - a.at) / 1000);
  const lost = b.lost - a.lost;
  const got = b.packets - a.packets;
  const kbps = (bytes: number) => clamp((bytes * 8) / 1000 / s, 1_000_000);
  return {
    rttMs: b.rtt === null ? null : clamp(b.rtt, 60_000),
    lossPct: lost + got > 0 ? clamp((100 * lost) / (lost + got), 100) : null,
    upKbps: kbps(b.sent - a.sent),
    downKbps: kbps(b.received - a.received),
    fps: clamp((b.frames - a.frames) / s, 240),
    audioOut: b.audioOut > a.audioOut,
    videoOut: b.videoOut > a.videoOut,
  };
}

/** Reports while the client lives; returns the stop function. */
export function reportStats(client: VideoClient, signal: VideoSignal, ms = STATS_MS): () => void {
  let last: Totals | undefined;
  let pcs: RTCPeerConnection[] = [];
  const timer = setInterval(async () => {
    const now = client.connections();
    // A rebuilt connection starts its counters from zero: begin a new interval.
    if (now.length !== pcs.length || now.some((pc, i) => pc !== pcs[i])) last = undefined;
    pcs = now;
    const t = await totals(now).catch(() => undefined);
    if (!t) return;
    if (last) signal.send({ t: 'stats', stats: report(last, t) });
    last = t;
  }, ms);
  return () => clearInterval(timer);
}

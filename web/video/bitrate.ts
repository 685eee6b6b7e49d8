/**
 * The upload cap of one picture: 320×240 at 15 frames needs no more than ~300 kbit/s, and without a cap
 * Chromium climbs to ~1.3 Mbit/s on a good line, which a member on a phone contract pays for.
 */
export const VIDEO_MAX_BITRATE = 300_000;

/** Caps every video sender of a connection (the mesh, where the connection is made by PeerJS). */
export async function capVideo(pc: RTCPeerConnection | undefined): Promise<void> {
  for (const sender of pc?.getSenders() ?? []) {
    if (sender.track?.kind !== 'video') continue;
    const p = sender.getParameters();
    if (!p.encodings?.length) continue; // not negotiated yet: the next call comes after 'stream'
    p.encodings.forEach((e) => (e.maxBitrate = VIDEO_MAX_BITRATE));
    await sender.setParameters(p).catch((e: Error) => console.warn(`video: bitrate cap: ${e.message}`));
  }
}

/**
 * The sync protocol between two devices over one link (a WebRTC data channel; docs/PROTOCOL.md, "Peer
 * transport"). Symmetric: each side challenges the other, answers the other's challenge, and only once it has
 * checked the other's login (signature, certificate in its own directory, not revoked) sends it anything of
 * the log: its frontier, then whatever the other lacks of the documents the other may read. What arrives
 * goes through the replica like anything from a relay: a peer is as untrusted as a relay.
 */
import { fromHex, randomBytes, toHex } from '../../crypto/bytes.js';
import type { CertBody } from '../../crypto/cert.js';
import { type Signer, verify } from '../../crypto/ed25519.js';
import type { DocName } from '../../core/entries.js';
import { decodePeerFrame, PEER_FRAME_BYTES, type PeerMessage } from '../../core/peer-wire.js';
import { raiseFrontier } from '../../core/log.js';
import type { Replica } from '../../core/replica.js';
import { batches, encodeControl, encodeEnvelopes, type Frontier, loginInput, type SignedBeacon } from '../../core/wire.js';

/** What the protocol needs of a transport: binary messages in order, reliably, and a close. */
export interface Link {
  send(frame: Uint8Array): void;
  close(): void;
  onmessage: ((data: Uint8Array) => void) | null;
  onclose: (() => void) | null;
}

/** Frames waiting to be handled; a peer that floods beyond this is cut off. */
const MAX_PENDING = 256;

/** The docs a device with this certificate may read in the meeting (the relay's rule, relay/hub.ts login). */
export function readable(cert: CertBody | undefined, body: string | undefined, now: number): DocName[] {
  if (!cert || cert.revoked !== undefined || now < cert.notBefore || now > cert.notAfter) return [];
  return cert.roles.includes('admin') || (body !== undefined && cert.bodies.includes(body)) ? ['public', 'members'] : ['public'];
}

export interface PeerSessionOptions {
  replica: Replica;
  signer: Signer;
  /** The device key (hex) the signalling named: the login must prove exactly this key. */
  peer: string;
  link: Link;
  now?: () => number;
  /** A beacon that arrived here and was new: the caller forwards it to its other links. */
  onBeacon?: (b: SignedBeacon, from: PeerSession) => void;
  onReady?: (s: PeerSession) => void;
  onClose?: (s: PeerSession, why: string) => void;
}

export class PeerSession {
  /** The docs both may read, once the peer's login is checked; null before. */
  docs: DocName[] | null = null;
  closed = false;
  private failing = false;
  /** Whether the peer has sent its frontier (it checked our login). */
  synced = false;
  private readonly nonce = toHex(randomBytes(32));
  private readonly me: string;
  private known: Record<string, Record<string, number>> = {};
  private readonly sent = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly now: () => number;

  constructor(private readonly o: PeerSessionOptions) {
    this.me = toHex(o.signer.publicKey);
    this.now = o.now ?? Date.now;
    o.link.onmessage = (data) => this.receive(data);
    o.link.onclose = () => this.gone('closed by the transport');
    this.send({ t: 'challenge', nonce: this.nonce, relay: this.me });
  }

  get peer(): string {
    return this.o.peer;
  }

  close(why = 'closed'): void {
    if (this.closed) return;
    this.o.link.close();
    this.gone(why);
  }

  private gone(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.o.onClose?.(this, why);
  }

  private send(m: PeerMessage): void {
    if (!this.closed) this.o.link.send(encodeControl(m as never));
  }

  private fail(code: string, message: string): void {
    if (this.failing) return;
    this.failing = true;
    this.send({ t: 'error', code, message });
    // A moment for the error to leave before the close: a channel closed at once may drop it.
    setTimeout(() => this.close(`${code}: ${message}`), 200);
  }

  private receive(data: Uint8Array): void {
    if (++this.pending > MAX_PENDING) return this.close('too many frames in flight');
    this.queue = this.queue
      .then(() => this.handle(data))
      .catch((e) => this.close(`frame handler failed: ${(e as Error).message}`))
      .finally(() => this.pending--);
  }

  private async handle(data: Uint8Array): Promise<void> {
    if (this.closed || this.failing) return;
    let frame;
    try {
      frame = decodePeerFrame(data);
    } catch (e) {
      return this.fail('bad-frame', (e as Error).message);
    }
    const r = this.o.replica;
    if (frame.type === 'envelopes') {
      if (!this.docs) return this.fail('auth', 'log in first');
      const { held } = await r.receive(frame.wires);
      // The peer holds them, and their chains up to them (it sends predecessors first): never send them back.
      for (const id of held) this.sent.add(id);
      this.learn(r.log.frontierOf(held));
      return;
    }
    const m = frame.message;
    switch (m.t) {
      case 'challenge': {
        if (m.relay !== this.o.peer) return this.fail('auth', 'challenge from another device than signalled');
        const sig = await this.o.signer.sign(loginInput(m.nonce, r.tenant, r.meeting, m.relay));
        return this.send({ t: 'login', tenant: r.tenant, meeting: r.meeting, device: this.me, sig: toHex(sig) });
      }
      case 'login':
        return this.login(m);
      case 'sync':
        if (!this.docs) return this.fail('auth', 'log in first');
        this.known = structuredClone(m.frontier) as Record<string, Record<string, number>>;
        this.synced = true;
        this.flush();
        this.send({ t: 'synced' });
        this.o.onReady?.(this);
        return;
      case 'synced':
        return;
      case 'beacon': {
        if (!this.docs) return;
        if (!(m.beacon.author === this.me) && (await r.receiveBeacon(m.beacon))) {
          if (m.beacon.author === this.o.peer) this.learn(m.beacon.frontier);
          this.o.onBeacon?.(m.beacon, this);
        }
        return;
      }
      case 'error':
        return this.close(`peer said ${m.code}: ${m.message}`);
    }
  }

  private async login(m: Extract<PeerMessage, { t: 'login' }>): Promise<void> {
    const r = this.o.replica;
    if (this.docs) return this.fail('auth', 'already logged in');
    const ok =
      m.device === this.o.peer &&
      m.tenant === r.tenant &&
      m.meeting === r.meeting &&
      (await verify(fromHex(m.sig, 64), loginInput(this.nonce, r.tenant, r.meeting, this.me), fromHex(m.device, 32)).catch(() => false));
    const docs = ok ? readable(r.directory.get(m.device), r.state.body?.id, this.now()).filter((d) => r.docs.includes(d)) : [];
    if (docs.length === 0) return this.fail('auth', 'login failed: wrong device, bad signature, unknown or revoked certificate');
    this.docs = docs;
    this.send({ t: 'sync', frontier: this.scoped(r.frontier()) as never });
  }

  private scoped(f: Frontier): Frontier {
    return Object.fromEntries(Object.entries(f).filter(([d]) => this.docs!.includes(d as DocName))) as Frontier;
  }

  /** What the peer says it holds (its own beacon): never send it what it has. */
  private learn(f: Frontier): void {
    raiseFrontier(this.known, f);
  }


  /** Send what the peer lacks of the docs it may read (after its frontier arrived). */
  flush(): void {
    if (this.closed || !this.synced || !this.docs) return;
    const missing = this.o.replica.missingFor(this.known as Frontier).filter((e) => this.docs!.includes(e.doc as DocName) && !this.sent.has(e.id));
    if (missing.length === 0) return;
    for (const e of missing) {
      this.sent.add(e.id);
      const k = (this.known[e.doc] ??= {});
      const author = toHex(e.author);
      if (e.seq === (k[author] ?? 0) + 1) k[author] = e.seq;
    }
    for (const run of batches(missing.map((e) => e.wire), PEER_FRAME_BYTES)) this.o.link.send(encodeEnvelopes(run));
  }

  /** A beacon for the peer (our own, or one forwarded; `frame` its encoding): members-scoped ones only where the peer reads members. */
  beacon(b: SignedBeacon, frame: Uint8Array): void {
    if (!this.docs || this.closed || b.author === this.o.peer) return;
    if (Object.keys(b.frontier).some((d) => !this.docs!.includes(d as DocName))) return;
    this.o.link.send(frame);
  }
}

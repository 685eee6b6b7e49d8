/**
 * A local SMTP server (smtp-server) that keeps every mail it receives: what `ratsraum start` runs when no
 * SMTP host is configured, so invitations of the demo arrive somewhere visible (printed to the console),
 * and what the tests send to.
 */
import { SMTPServer } from 'smtp-server';

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  /** The body with quoted-printable soft breaks and escapes undone. */
  text: string;
}

const MAX_MAIL = 1024 * 1024;

const unQuotedPrintable = (s: string) =>
  Buffer.from(s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');

export async function localSmtp(opts: { port?: number; host?: string; onMail?: (m: Mail) => void } = {}) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MAIL,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw, text: unQuotedPrintable(raw) };
        if (mails.length >= 1000) mails.shift();
        mails.push(mail);
        opts.onMail?.(mail);
        done();
      });
    },
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.server.once('error', fail);
    server.listen(opts.port ?? 0, host, ok);
  });
  const port = (server.server.address() as { port: number }).port;
  return { host, port, mails, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

const decodeWord = (_: string, kind: string, s: string) =>
  kind.toUpperCase() === 'B' ? Buffer.from(s, 'base64').toString('utf8') : unQuotedPrintable(s.replace(/_/g, ' '));

/** Subject (RFC 2047 words decoded) and the plain body, for printing. */
export function readable(m: Mail): { subject: string; body: string } {
  const head = m.raw.split(/\r?\n\r?\n/)[0] ?? '';
  const subject = (/^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(head)?.[1] ?? '')
    .replace(/\r?\n[ \t]+/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, decodeWord);
  return { subject, body: m.text.split(/\r?\n\r?\n/).slice(1).join('\n\n').trim() };
}

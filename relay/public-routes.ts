/**
 * The public side of a meeting over HTTP (PUB-1, PUB-2, PUB-4; docs/PROTOCOL.md "Public access and question
 * time"): what the registration page needs to know, registration by e-mail with a personal access link sent
 * over SMTP, the viewer's own revocation, and residents' questions with the chair's signed read. Deadlines
 * come from the body's settings (core/public-access.ts) over the relay's own fold of the public document.
 * Every body is schema-checked and small; registering and asking are rate-limited per client address.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import nodemailer from 'nodemailer';
import * as v from 'valibot';
import { fromHex } from '../crypto/bytes.js';
import { check as checkCert } from '../crypto/cert.js';
import type { Envelope } from '../crypto/envelope.js';
import { verify } from '../crypto/ed25519.js';
import { type PublicInfo, questionsListInput, questionWindow, registrationWindow, rulesFrom, type PublicRules, type Window } from '../core/public-access.js';
import { CLERK } from '../core/rules/roles.js';
import type { SessionState } from '../core/state.js';
import type { Hub } from './hub.js';
import type { SmtpConfig } from './invitations.js';
import { accessTokenHash, type Registrations } from './public-registrations.js';
import type { Questions } from './questions.js';
import { rateLimit } from './rate-limit.js';
import type { Store } from './store.js';
import { MeetingState } from './video/meeting-state.js';

export interface PublicDeps {
  store: Store;
  hub: Hub;
  registrations: Registrations;
  questions: Questions;
  /** The tenant's settings in force (relay/settings.ts `values`). */
  settings: (tenant: string) => Promise<Record<string, string>>;
  smtp?: SmtpConfig;
  publicUrl?: string;
  municipality: (tenant: string) => Promise<string>;
  trustedProxies?: readonly string[];
  /** Registrations and questions per client address: burst and refill per second. */
  rate?: { burst: number; perSecond: number };
  now?: () => number;
}

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const token = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{20,100}$/));
const email = v.pipe(v.string(), v.trim(), v.email(), v.maxLength(254));
// One line of plain text for names; questions may have line breaks but no other control characters.
const line = (max: number) => v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(max), v.regex(/^[^\p{Cc}]*$/u, 'no control characters'));
const schemas = {
  register: v.strictObject({ email }),
  access: v.strictObject({ token }),
  question: v.strictObject({ name: line(200), email: v.optional(email), text: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(2000), v.regex(/^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$/, 'no control characters but line breaks')) }),
  list: v.strictObject({ device: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)), at: v.pipe(v.number(), v.integer()), sig: v.pipe(v.string(), v.regex(/^[0-9a-f]{128}$/)) }),
};

const refuse = (status: 400 | 403 | 404 | 409 | 503, code: string, message: string, de: string): never => {
  throw new HTTPException(status, { res: new Response(JSON.stringify({ error: code, code, message, de }), { status, headers: { 'content-type': 'application/json' } }) });
};

const berlin = (ms: number) => new Date(ms).toLocaleString('de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'short' });

/** Why a window is closed, in English and German. */
function closed(w: Extract<Window, { open: false }>, what: 'registration' | 'questions'): never {
  const until = w.until === null ? '' : berlin(w.until);
  const m = {
    'no-meeting': ['no such meeting', 'Diese Sitzung gibt es nicht.'],
    closed: ['the session is closed', 'Die Sitzung ist geschlossen.'],
    'no-question-time': ['this meeting has no question time', 'Diese Sitzung hat keine Einwohnerfragestunde.'],
    deadline:
      what === 'registration'
        ? [`the registration deadline passed (${new Date(w.until!).toISOString()})`, `Die Anmeldefrist ist abgelaufen (Anmeldung war bis ${until} möglich).`]
        : [`the deadline for questions passed (${new Date(w.until!).toISOString()}); questions are taken again during the question time`, `Die Frist für Fragen ist abgelaufen (Fragen waren bis ${until} möglich). Während der Einwohnerfragestunde können Sie wieder Fragen stellen.`],
  }[w.reason];
  return refuse(w.reason === 'no-meeting' ? 404 : 403, w.reason, m[0]!, m[1]!);
}

export function publicRoutes(d: PublicDeps) {
  const app = new Hono();
  const now = d.now ?? (() => Date.now());
  const limited = rateLimit({ ...(d.rate ?? { burst: 5, perSecond: 1 / 30 }), trustedProxies: d.trustedProxies, shared: d.hub.sharedBuckets('public') });
  const states = new Map<string, Promise<MeetingState>>();
  const stateOf = async (tenant: string, meeting: string): Promise<SessionState> => {
    if (!NAME.test(tenant) || !NAME.test(meeting) || !(await d.store.tenantKey(tenant)) || (await d.hub.bodyOf(tenant, meeting)) === undefined) refuse(404, 'unknown-meeting', 'unknown tenant or meeting', 'Diese Sitzung gibt es hier nicht.');
    const key = `${tenant}\n${meeting}`;
    let st = states.get(key);
    if (!st) states.set(key, (st = MeetingState.load(d.store, tenant, meeting)));
    return (await st).state;
  };
  const rulesOf = async (tenant: string): Promise<PublicRules> => rulesFrom(await d.settings(tenant));
  const json = async (c: { req: { json(): Promise<unknown> } }) => c.req.json().catch(() => refuse(400, 'bad-request', 'body is not JSON', 'Die Anfrage ist ungültig.'));
  const parse = <T extends v.GenericSchema>(schema: T, x: unknown): v.InferOutput<T> => {
    const r = v.safeParse(schema, x);
    if (!r.success) refuse(400, 'bad-request', `invalid request: ${r.issues.map((i) => `${(i.path ?? []).map((p) => p.key).join('.') || 'body'} ${i.message}`).join('; ')}`, 'Die Angaben sind unvollständig oder ungültig.');
    return (r as { output: v.InferOutput<T> }).output;
  };

  app.use('/api/:tenant/:meeting/public/*', bodyLimit({ maxSize: 8 * 1024, onError: (c) => c.json({ error: 'too-large', code: 'too-large', message: 'request body over 8 KiB', de: 'Die Anfrage ist zu groß.' }, 413) }));

  app.get('/api/:tenant/:meeting/public/info', async (c) => {
    const { tenant, meeting } = c.req.param();
    const s = await stateOf(tenant, meeting);
    const r = await rulesOf(tenant);
    const qt = s.agenda.find((i) => i.public && i.questionTime);
    const info: PublicInfo = {
      title: s.meeting?.title ?? '',
      start: s.meeting?.start ?? 0,
      anonymous: r.anonymous,
      registration: registrationWindow(s, r, now()),
      questions: questionWindow(s, r, now()),
      questionTime: qt ? { id: qt.id, no: qt.no, title: qt.title } : null,
    };
    return c.json(info);
  });

  app.post('/api/:tenant/:meeting/public/register', limited, async (c) => {
    const { tenant, meeting } = c.req.param();
    const s = await stateOf(tenant, meeting);
    const b = parse(schemas.register, await json(c));
    const w = registrationWindow(s, await rulesOf(tenant), now());
    if (!w.open) closed(w, 'registration');
    if (!d.smtp) refuse(503, 'no-smtp', 'no SMTP server is configured', 'Es ist kein Mailserver eingerichtet; die Anmeldung ist derzeit nicht möglich.');
    const made = (await d.registrations.register(tenant, meeting, b.email, now())) ?? refuse(409, 'full', 'this meeting has too many registrations', 'Für diese Sitzung sind keine weiteren Anmeldungen möglich.');
    const origin = (d.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
    const link = `${origin}/#/public/${tenant}/${meeting}?access=${made.token}`;
    try {
      await sendAccessLink(d.smtp!, { to: b.email, municipality: await d.municipality(tenant), title: s.meeting!.title, start: s.meeting!.start, link });
    } catch (e) {
      d.hub.log(`relay: sending the access link failed: ${(e as Error).message}`);
      await d.registrations.revokeToken(tenant, meeting, made.token);
      refuse(503, 'smtp', 'the mail could not be sent', 'Die E-Mail konnte nicht versandt werden. Bitte versuchen Sie es später erneut.');
    }
    return c.json({ sent: true });
  });

  app.post('/api/:tenant/:meeting/public/access', async (c) => {
    const { tenant, meeting } = c.req.param();
    await stateOf(tenant, meeting);
    const b = parse(schemas.access, await json(c));
    return c.json({ valid: await d.registrations.valid(tenant, meeting, b.token) });
  });

  app.post('/api/:tenant/:meeting/public/revoke', async (c) => {
    const { tenant, meeting } = c.req.param();
    await stateOf(tenant, meeting);
    const b = parse(schemas.access, await json(c));
    const revoked = await d.registrations.revokeToken(tenant, meeting, b.token, now());
    if (revoked) d.hub.dropPublicAccess(tenant, meeting, accessTokenHash(b.token));
    return c.json({ revoked });
  });

  app.post('/api/:tenant/:meeting/public/questions', limited, async (c) => {
    const { tenant, meeting } = c.req.param();
    const s = await stateOf(tenant, meeting);
    const b = parse(schemas.question, await json(c));
    const w = questionWindow(s, await rulesOf(tenant), now());
    if (!w.open) closed(w, 'questions');
    const q = (await d.questions.add(tenant, meeting, b, now())) ?? refuse(409, 'full', 'this meeting has too many questions', 'Für diese Sitzung können keine weiteren Fragen eingereicht werden.');
    return c.json({ no: q.no });
  });

  // The chair, deputy or assistant of the meeting's body reads the questions with a request its device key signs.
  app.post('/api/:tenant/:meeting/public/questions/list', async (c) => {
    const { tenant, meeting } = c.req.param();
    await stateOf(tenant, meeting);
    const b = parse(schemas.list, await json(c));
    if (Math.abs(b.at - now()) > 5 * 60_000) refuse(400, 'clock', 'request time is more than 5 minutes off', 'Die Uhr dieses Geräts geht falsch (mehr als 5 Minuten).');
    const cert = await d.store.cert(tenant, b.device);
    const body = (await d.hub.bodyOf(tenant, meeting))!;
    const ok =
      !!cert &&
      cert.body.revoked === undefined &&
      cert.body.roles.some((r) => (CLERK as readonly string[]).includes(r)) &&
      cert.body.bodies.includes(body) &&
      (await checkCert(cert, fromHex((await d.store.tenantKey(tenant))!, 32), now())) &&
      (await verify(fromHex(b.sig, 64), questionsListInput(tenant, meeting, b.at), fromHex(b.device, 32)));
    if (!ok) refuse(403, 'forbidden', 'only the chair, deputy or assistant of this body reads the questions', 'Nur der Vorsitz liest die eingereichten Fragen.');
    return c.json({ questions: (await d.questions.list(tenant, meeting)).map(({ id, no, name, text, created }) => ({ id, no, name, text, created })) });
  });

  return {
    app,
    /** An envelope the relay stored: the folds of meetings asked about follow it. */
    stored(tenant: string, meeting: string, env: Envelope): void {
      const st = states.get(`${tenant}\n${meeting}`);
      if (st) void st.then((m) => m.add(env)).catch(() => {});
    },
    /** PUB-1: the hub's gate for public connections. */
    async access(tenant: string, meeting: string, token: string | undefined): Promise<boolean> {
      if (token !== undefined && (await d.registrations.valid(tenant, meeting, token))) return true;
      return (await rulesOf(tenant)).anonymous;
    },
  };
}

/** PUB-1, PUB-2: the personal access link, with the notice that recording and redistribution are prohibited. */
export async function sendAccessLink(smtp: SmtpConfig, m: { to: string; municipality: string; title: string; start: number; link: string }): Promise<void> {
  const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: smtp.secure ?? false, ignoreTLS: !smtp.secure && smtp.host === '127.0.0.1' });
  const text = [
    'Guten Tag,',
    '',
    `Sie haben sich angemeldet, um die öffentliche Sitzung „${m.title}“ (${berlin(m.start)}) von ${m.municipality} zu verfolgen.`,
    'Ihr persönlicher Zugangslink:',
    '',
    m.link,
    '',
    'Aufzeichnung und Weiterverbreitung der Übertragung sind nicht gestattet (§ 3 DigiSiVO NRW).',
    'Geben Sie den Link nicht weiter. Sie können ihn auf der Seite jederzeit selbst sperren; die Verwaltung kann ihn ebenfalls sperren.',
  ].join('\n');
  await transport.sendMail({ from: smtp.from, to: m.to, subject: `Zugang zur öffentlichen Sitzung – ${m.title}`, text });
}

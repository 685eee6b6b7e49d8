/**
 * ORG-3 German first (issue 10, "Real tenants": English leaked into OParl results, refusal errors and the
 * audit log). Every code the relay sends has a text in both catalogues, and a refusal is shown from the
 * catalogue, never as the relay's English message.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../../core/identity.js';
import { walk } from '../../relay/oparl/walk.js';
import { CONTEXTUAL, refusalText } from '../../web/i18n/codes.js';
import { de } from '../../web/i18n/de.js';
import { en } from '../../web/i18n/en.js';
import { setLang } from '../../web/i18n/index.js';
import { OPARL_FIXTURES } from '../helpers/oparl-server.js';

/** The relay's HTTP side (its OParl walker's codes are problems, not refusals). */
const relaySource = () =>
  readdirSync('relay')
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join('relay', f), 'utf8'))
    .join('\n');

const both = (key: string) => {
  expect(Object.hasOwn(de, key), `de ${key}`).toBe(true);
  expect(Object.hasOwn(en, key), `en ${key}`).toBe(true);
};

describe('German only in German mode', () => {
  it('ORG-3 (German only) every refusal code the relay answers with has a German and an English text', () => {
    const src = relaySource();
    const codes = new Set([...src.matchAll(/Refusal\([^,]+, '([a-z-]+)'/g), ...src.matchAll(/code: '([a-z-]+)'/g)].map((m) => m[1]!));
    expect(codes.size).toBeGreaterThan(20);
    // Codes naming a different thing on each route (invitation, enrolment, authenticator): the relay's own German text serves.
    for (const code of [...codes].filter((c) => !(CONTEXTUAL as readonly string[]).includes(c))) both(`error.${code}`);
  });

  it('ORG-3 (German only) a refusal shows the catalogue text in the UI language, never the relay\'s English message', () => {
    setLang('de');
    const oparl = { code: 'oparl', error: 'oparl', message: 'getaddrinfo ENOTFOUND ris.example', de: 'Der OParl-Import ist gescheitert: getaddrinfo ENOTFOUND ris.example' };
    expect(refusalText(oparl, 400)).toBe(de['error.oparl']);
    expect(refusalText({ code: 'internal', error: 'internal', message: 'internal error' }, 500)).toBe(de['error.internal']);
    expect(refusalText({ code: 'unknown', error: 'unknown', message: 'This invitation is not valid.', de: 'Diese Einladung ist ungültig.' }, 404)).toBe('Diese Einladung ist ungültig.');
    expect(refusalText({}, 502)).toBe('Der Server hat die Anfrage abgelehnt (Code HTTP 502).');
    setLang('en');
    expect(refusalText(oparl, 400)).toBe(en['error.oparl']);
    setLang('de');
  });

  it('ORG-3 (German only) every problem the OParl walk reports and every audit action has a German label', async () => {
    const { warnings } = await walk(join(OPARL_FIXTURES, 'sloppy'));
    const seen = new Set(warnings.map((w) => w.code));
    expect(seen.size).toBeGreaterThan(8);
    const declared = /export type WarningCode =([^;]+);/.exec(readFileSync('relay/oparl/walk.ts', 'utf8'))![1]!.match(/'([a-z-]+)'/g)!.map((s) => s.slice(1, -1));
    for (const code of new Set([...seen, ...declared])) both(`import.warn.${code}`);
    for (const a of AUDIT_ACTIONS) both(`audit.act.${a}`);
    for (const key of Object.keys(de).filter((k) => /^(error|import\.warn|audit\.act|settings)\./.test(k))) expect(de[key as keyof typeof de], key).not.toBe(en[key as keyof typeof en]);
  });
});

/** SEC-3: the second factor on the relay: RFC 6238 codes from an authenticator, no replay, lockout after 5 wrong codes. */
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteIdentity } from '../../relay/identity-schema.js';
import { LOCK_MS, Totp } from '../../relay/totp.js';
import { cleanup, tempDir } from '../helpers/relay.js';

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

describe('TOTP second factor', () => {
  it('SEC-3 a code from the authenticator app is accepted once; wrong codes lock the device for 15 minutes', async () => {
    const dir = tempDir();
    const db = await openSqliteIdentity(join(dir, 'identity.sqlite'));
    const totp = await Totp.open(db, join(dir, 'secrets.key'));
    stops.push(() => cleanup(dir), () => db.close());
    const { secret, uri } = await totp.create('musterstadt', 'ab'.repeat(32), 'Ben Becker (Musterstadt)');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Ratsraum:Ben%20Becker%20\(Musterstadt\)\?issuer=Ratsraum&secret=[A-Z2-7]+&algorithm=SHA1&digits=6&period=30$/);
    // The app on the member's phone: the same secret, read from the QR code.
    const app = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
    expect(app.secret.base32).toBe(secret);
    const t0 = 1_800_000_000_000;
    const code = app.generate({ timestamp: t0 });
    expect(await totp.check('musterstadt', 'ab'.repeat(32), code, t0)).toEqual({ ok: true });
    expect(await totp.check('musterstadt', 'ab'.repeat(32), code, t0 + 1000)).toMatchObject({ ok: false, code: 'replayed' });
    expect(await totp.check('nachbarstadt', 'ab'.repeat(32), code, t0)).toMatchObject({ ok: false, code: 'unknown' });
    // The next period's code works; a clock 30 s off still works (window 1); 2 minutes off does not.
    expect(await totp.check('musterstadt', 'ab'.repeat(32), app.generate({ timestamp: t0 + 30_000 }), t0 + 45_000)).toEqual({ ok: true });
    expect(await totp.check('musterstadt', 'ab'.repeat(32), app.generate({ timestamp: t0 + 90_000 }), t0 + 60_000)).toEqual({ ok: true });
    expect(await totp.check('musterstadt', 'ab'.repeat(32), app.generate({ timestamp: t0 }), t0 + 240_000)).toMatchObject({ ok: false, code: 'wrong' });
    for (let i = 0; i < 3; i++) expect((await totp.check('musterstadt', 'ab'.repeat(32), '000000', t0 + 241_000)).ok).toBe(false);
    expect(await totp.check('musterstadt', 'ab'.repeat(32), 'abc', t0 + 241_000)).toMatchObject({ code: 'wrong' }); // the 5th failure locks
    const locked = await totp.check('musterstadt', 'ab'.repeat(32), app.generate({ timestamp: t0 + 242_000 }), t0 + 242_000);
    expect(locked).toMatchObject({ ok: false, code: 'locked', retryAt: t0 + 241_000 + LOCK_MS, de: 'Zu viele falsche Codes. Bitte warten Sie 15 Minuten.' });
    const after = t0 + 241_000 + LOCK_MS + 1;
    expect(await totp.check('musterstadt', 'ab'.repeat(32), app.generate({ timestamp: after }), after)).toEqual({ ok: true });
  });
});

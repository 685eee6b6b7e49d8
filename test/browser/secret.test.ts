/**
 * A secret election in Chromium: the chair names three trustees whose devices generate the key on their
 * own, 7 members vote in separate browser contexts, no majority, a run-off follows, the trustees release
 * the result, and every member's receipt and one-click check pass. The exported record verifies offline;
 * one changed ciphertext or one changed partial decryption makes it fail with a clear message.
 */
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../crypto/bytes.js';
import { verifyExport } from '../../core/export.js';
import { axe, demoSite, launch, participant, whenStatus } from '../helpers/browser.js';
import { cleanup } from '../helpers/relay.js';

const stops: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

const T = { timeout: 30_000 };

async function openVoteId(page: Page, not: string[] = []): Promise<string> {
  await expect.poll(async () => {
    const id = await page.locator('[data-vote-status=open][data-mode=secret]').getAttribute('data-vote', { timeout: 1000 }).catch(() => null);
    return id && !not.includes(id) ? id : null;
  }, T).not.toBeNull();
  return (await page.locator('[data-vote-status=open]').getAttribute('data-vote'))!;
}

async function castAll(members: Page[], choices: string[], vote: string) {
  for (const [i, p] of members.entries()) {
    await p.locator(`[data-vote="${vote}"] [data-choice="${choices[i]}"]`).click();
  }
  for (const p of members) await expect.poll(() => p.locator(`[data-vote="${vote}"] [data-testid=receipt]`).count(), T).toBe(1);
}

/** The record with one hex digit changed in the first ciphertext of a ballot, or the first share of a partial decryption. */
function tamper(record: { envelopes: string[] }, kind: 'vote.ballot' | 'vote.partial'): { envelopes: string[] } {
  const bytesAsText = (b: Uint8Array) => Buffer.from(b).toString('latin1'); // one char per byte: indexes stay byte offsets
  const needle = kind === 'vote.ballot' ? '"cts":[{"a":"' : '"shares":["';
  const envelopes = [...record.envelopes];
  const i = envelopes.findIndex((b64) => bytesAsText(fromBase64(b64)).includes(needle));
  const wire = fromBase64(envelopes[i]!).slice();
  const at = bytesAsText(wire).indexOf(needle) + needle.length;
  wire[at] = wire[at] === 0x30 ? 0x31 : 0x30; // one hex digit
  envelopes[i] = toBase64(wire);
  return { ...record, envelopes };
}

describe('secret election in Chromium', () => {
  it('VOTE-10 VOTE-3 VOTE-4 [chromium] VOTE-7 VOTE-9 7 members (2 on site, 5 remote) elect secretly, a run-off follows, every receipt and one-click check passes; a tampered record fails', async () => {
    const site = await demoSite();
    stops.push(() => site.relay.close(), () => cleanup(site.dataDir));
    const browser = await launch();
    stops.push(() => browser.close());
    const chair = (await participant(browser, site.links.chair.url)).page;
    const members: Page[] = [];
    for (const [i, m] of site.links.members.slice(0, 7).entries()) members.push((await participant(browser, m.url, { bypassCSP: i === 6 })).page);
    const all = [chair, ...members];
    await Promise.all(all.map((p) => whenStatus(p, 'online', 20_000)));
    // VOTE-7, hybrid: the chair checks the first two members in on site; the others check in remotely. All vote on their own devices.
    const onsite = site.links.members.slice(0, 2).map((m) => m.name);
    for (const p of [chair, ...members.slice(2)]) await p.getByRole('button', { name: 'Anwesend melden (digital)' }).click();
    await chair.getByRole('button', { name: 'Sitzung eröffnen' }).click();
    for (const name of onsite) {
      await chair.locator('#person-select').selectOption({ label: name });
      await chair.getByRole('button', { name: 'Im Saal anwesend melden' }).click();
    }
    for (const name of onsite) await expect.poll(() => members[0]!.locator('.people li', { hasText: name }).first().textContent(), T).toContain('im Saal');
    await expect.poll(() => members[0]!.locator('.people li', { hasText: site.links.members[2]!.name }).first().textContent(), T).toContain('(digital)');
    await chair.locator('#item-select').selectOption('top3');
    await chair.getByRole('button', { name: 'Tagesordnungspunkt aufrufen' }).click();

    // Trustees: the chair and the first two members; their devices run the key generation by themselves.
    for (const t of ['m01', 'm02', 'm03']) await chair.locator(`[data-trustee=${t}]`).check();
    await chair.getByRole('button', { name: 'Schlüssel erzeugen' }).click();
    await expect.poll(() => chair.locator('[data-key-status]').getAttribute('data-key-status'), T).toBe('ready');

    await chair.locator('#vote-title').fill('Wahl der Schriftführung');
    await chair.locator('#vote-kind').selectOption('election');
    await chair.locator('#vote-candidates').fill('Anna Adler, Ben Berg');
    await chair.locator('input[name=mode][value=secret]').check();
    await chair.getByRole('button', { name: 'Abstimmung eröffnen' }).click();
    const w1 = await openVoteId(members[0]!);
    // VOTE-9: a candidate is added before the first ballot.
    await chair.locator('#candidate-name').fill('Cem Celik');
    await chair.getByRole('button', { name: 'Kandidat/in hinzufügen' }).click();
    for (const p of members) await expect.poll(() => p.locator(`[data-vote="${w1}"] .ballot button`).count(), T).toBe(5); // 3 candidates, No, Abstain
    const c3 = (await members[0]!.locator(`[data-vote="${w1}"] .ballot button`).nth(2).getAttribute('data-choice'))!;
    await castAll(members, ['c1', 'c1', 'c1', 'c2', 'c2', 'c2', c3], w1);
    await expect.poll(() => chair.locator('[data-testid=received]').textContent(), T).toContain('7 verschlüsselte Stimmzettel');
    // VOTE-3 in the view: before the result, nobody's page shows any count per option.
    for (const p of all) expect(await p.locator(`[data-vote="${w1}"] [data-testid=counts]`).count()).toBe(0);
    await chair.getByRole('button', { name: 'Abstimmung schließen' }).click();
    await expect.poll(() => members[0]!.locator('[data-testid=release]').count(), T).toBe(1);
    await members[0]!.locator('[data-testid=release]').click();
    await members[1]!.locator('[data-testid=release]').click();
    for (const p of all) await expect.poll(() => p.locator(`[data-vote="${w1}"] [data-testid=summary]`).textContent(), T).toContain('Stichwahl zwischen Anna Adler, Ben Berg');
    // VOTE-10: the chart's table alternative carries the counts.
    expect(await chair.locator(`[data-vote="${w1}"] [data-testid=counts] tr[data-option=c1] td`).textContent()).toBe('3');

    await chair.getByRole('button', { name: 'Stichwahl eröffnen' }).click();
    const w2 = await openVoteId(members[0]!, [w1]);
    expect(await members[0]!.locator(`[data-vote="${w2}"] .ballot button`).count()).toBe(4); // Anna, Ben, No, Abstain
    await castAll(members, ['c1', 'c1', 'c1', 'c1', 'c2', 'c2', 'c2'], w2);
    await expect.poll(() => chair.locator('[data-testid=received]').textContent(), T).toContain('7 verschlüsselte Stimmzettel');
    await chair.getByRole('button', { name: 'Abstimmung schließen' }).click();
    await expect.poll(() => members[1]!.locator('[data-testid=release]').count(), T).toBe(1);
    await members[1]!.locator('[data-testid=release]').click();
    await chair.locator('[data-testid=release]').click();
    for (const p of all) await expect.poll(() => p.locator(`[data-vote="${w2}"] [data-testid=summary]`).textContent(), T).toBe('Gewählt: Anna Adler');

    // VOTE-4, VOTE-7: every member, on site or remote, sees its ballot included and the one-click check passes.
    for (const p of members) {
      expect(await p.locator(`[data-vote="${w2}"] [data-testid=included]`).textContent()).toBe('Ihre Stimme ist im Ergebnis enthalten.');
      await p.getByRole('button', { name: 'Geheime Abstimmung prüfen' }).click();
    }
    for (const p of members) {
      await expect.poll(() => p.locator('[data-testid=verify-result]').getAttribute('data-ok'), T).toBe('true');
      expect(await p.locator('[data-testid=verify-result]').textContent()).toContain('Alle 7 gezählten Stimmzettel sind gültig');
    }
    expect(await axe(members[6]!)).toEqual([]);

    // The public record verifies offline; a changed ciphertext or partial decryption fails, and says where.
    const record = await (await fetch(`${site.relay.url}/api/${site.demo.tenant}/${site.demo.meeting}/export`)).json();
    const good = await verifyExport(record);
    expect(good.problems).toEqual([]);
    expect(good.secret!.votes.map((v) => [v.ballots, v.partials, v.ok])).toEqual([
      [7, 2, true],
      [7, 2, true],
    ]);
    for (const kind of ['vote.ballot', 'vote.partial'] as const) {
      const bad = await verifyExport(tamper(record, kind));
      expect(bad.ok).toBe(false);
      // Named: which entry, of what kind, by whom; what depended on it is held back and listed too.
      expect(bad.problems[0]).toMatch(new RegExp(`^envelope [0-9a-f]{64} \\(${kind.replace('.', '\\.')} by m0\\d\\) rejected: bad signature$`));
    }
  }, 240_000);
});

/** VOTE-3, finding 9: a meeting key that one trustee alone could decrypt with is refused on every device. */
import { describe, expect, it } from 'vitest';
import { fold } from '../../core/fold.js';
import { council, publicOnly, Story, topoSort } from '../helpers/envelopes.js';

describe('the threshold of a meeting key', () => {
  it('VOTE-3 (finding 9) a key.setup signed by the chair with threshold 1 is refused by members and the public, and no secret vote can use it', async () => {
    const s = new Story(await council());
    await s.opened();
    // The chair's device signs what the UI would never send: one of two trustees, or the chair alone, decrypts.
    await s.add('chair', 'key.setup', { key: 'k1', trustees: ['chair', 'm1'], threshold: 1 });
    await s.add('chair', 'key.setup', { key: 'k2', trustees: ['chair'], threshold: 1 });
    await s.add('chair', 'vote.open', { vote: 'v1', item: null, title: 'Geheim', mode: 'secret', key: 'k1' });
    for (const st of [fold(topoSort(s.all), s.c.directory), fold(topoSort(publicOnly(s.all)), s.c.directory)]) {
      expect(st.keys).toEqual([]);
      expect(st.votes).toEqual([]);
      expect(st.rejected.map((r) => [r.kind, r.reason])).toEqual([
        ['key.setup', 'key.setup: the threshold must be at least 2, so that no single trustee can decrypt a ballot'],
        ['key.setup', 'key.setup: the threshold must be at least 2, so that no single trustee can decrypt a ballot'],
        ['vote.open', "vote.open: a secret vote needs a ready meeting key (key 'k1' unknown)"],
      ]);
    }
  });

  it('VOTE-3 (finding 9) two of two trustees is the smallest key the fold accepts', async () => {
    const s = new Story(await council());
    await s.opened();
    await s.add('chair', 'key.setup', { key: 'k1', trustees: ['chair', 'm1'], threshold: 2 });
    const st = fold(topoSort(s.all), s.c.directory);
    expect(st.rejected).toEqual([]);
    expect(st.keys.map((k) => [k.id, k.threshold, k.trustees.length, k.status])).toEqual([['k1', 2, 2, 'setup']]);
  });
});

/**
 * PUB-4 in the fold: `question.mark` only by the chair, only where the agenda has a question time, the latest
 * mark of a question standing on every device, and the minutes' section listing each question and whether it
 * was answered.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { minutesOf } from '../../core/minutes.js';
import { smallCouncil, sync } from '../helpers/replicas.js';

const questionTime = () => {
  const doc = new Y.Doc();
  const m = new Y.Map<unknown>();
  for (const [k, v] of Object.entries({ id: 'fs', no: '1.1', title: 'Einwohnerfragestunde', public: true, questionTime: true })) m.set(k, v);
  doc.getArray<Y.Map<unknown>>('agenda').push([m]);
  return Y.encodeStateAsUpdate(doc);
};

describe('question time in the fold', () => {
  it('PUB-4 the chair records questions as answered or not; refused without a question time and from a member; the latest mark stands on every device and in the minutes', async () => {
    const c = await smallCouncil();
    const chair = await c.join('chair');
    const member = await c.join('m1');
    const pub = await c.join(null);
    await chair.create('question.mark', { question: 'q1', no: 1, text: 'Wann kommt der Radweg?', answered: true });
    expect(chair.state.questions).toEqual([]);
    expect(chair.state.rejected.at(-1)?.reason).toBe('question.mark: the agenda has no question time');

    await chair.createY(questionTime(), 'public');
    expect(chair.state.agenda.find((i) => i.id === 'fs')?.questionTime).toBe(true);
    await sync(chair, member);
    await member.create('question.mark', { question: 'q1', no: 1, text: 'Gefälscht', answered: true });
    expect(member.state.rejected.at(-1)?.reason).toMatch(/^role: only the chair or deputy may/);

    await chair.create('question.mark', { question: 'q2', no: 2, text: 'Gibt es mehr Bänke?', answered: false });
    await chair.create('question.mark', { question: 'q1', no: 1, text: 'Wann kommt der Radweg?', answered: false });
    await chair.create('question.mark', { question: 'q1', no: 1, text: 'Wann kommt der Radweg?', answered: true });
    await sync(chair, pub);
    await sync(member, pub);
    for (const r of [chair, pub]) expect(r.state.questions.map((q) => [q.no, q.text, q.answered])).toEqual([[1, 'Wann kommt der Radweg?', true], [2, 'Gibt es mehr Bänke?', false]]);

    const m = minutesOf(pub.state, { log: [...pub.log.ordered()], personOf: (d) => pub.directory.get(d)?.person });
    const section = m.sections.find((s) => s.id === 'questions')!;
    expect(section.title).toBe('Einwohnerfragestunde');
    expect(section.blocks).toEqual([{ type: 'table', head: ['Nr.', 'Frage', 'Beantwortet'], rows: [['1', 'Wann kommt der Radweg?', 'ja'], ['2', 'Gibt es mehr Bänke?', 'nein']] }]);
  });
});

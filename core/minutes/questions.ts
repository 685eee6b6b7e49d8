/** PUB-4: the residents' question time: each question the chair recorded (number, text) and whether it was answered. */
import type { SectionSpec } from './section.js';

export const questions: SectionSpec = {
  id: 'questions',
  title: (L) => L.questions.title,
  kinds: ['question.mark'],
  from(s, _log, { L }) {
    if (s.questions.length === 0) return null;
    const Q = L.questions;
    return {
      blocks: [{ type: 'table', head: [Q.no, Q.text, Q.answered], rows: s.questions.map((q) => [String(q.no), q.text, q.answered ? L.yes : L.no]) }],
      facts: { questions: s.questions.map((q) => ({ ...q })) },
    };
  },
};

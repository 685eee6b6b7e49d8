/** PUB-4: the residents' question time. The chair records each question (number and text) and whether it was answered. */
import type { CertBody } from '../../crypto/cert.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Payload } from '../entries.js';
import type { Context } from '../fold.js';
import { agenda } from './agenda.js';
import { reject } from './reject.js';

export function questionMark(ctx: Context, e: Envelope, _cert: CertBody, p: Payload<'question.mark'>): void {
  if (!agenda(ctx).some((i) => i.questionTime)) reject('question.mark: the agenda has no question time');
  const qs = ctx.s.questions;
  const mark = { question: p.question, no: p.no, text: p.text, answered: p.answered, at: e.hlc.wall, entry: e.id };
  const i = qs.findIndex((q) => q.question === p.question);
  if (i >= 0) qs[i] = mark;
  else qs.push(mark);
  qs.sort((a, b) => a.no - b.no || (a.question < b.question ? -1 : 1));
}

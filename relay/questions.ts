/**
 * PUB-4: residents' questions for the question time of a meeting, in the identity database apart from the
 * session log: number (in order of arrival), name, optional e-mail address, text, time. Personal data: deleted by
 * retention (kind `questions`). What the minutes keep is what the chair records (`question.mark`: number
 * and text, never the name).
 */
import type { Sql } from './sql.js';

export interface Question {
  id: string;
  no: number;
  name: string;
  email: string | null;
  text: string;
  created: number;
}

/** Questions per meeting the relay accepts at most. */
const MAX_PER_MEETING = 2_000;
const FULL = Symbol('full');

export class Questions {
  constructor(private readonly db: Sql) {}

  /** Stores the question with the next number of the meeting; undefined when the meeting has too many. */
  add(tenant: string, meeting: string, q: { name: string; email?: string; text: string }, now = Date.now()): Promise<Question | undefined> {
    return this.db
      .tx(async (t) => {
        // The meeting's counter row: relays numbering at once queue on it (PostgreSQL's row lock; SQLite's BEGIN
        // IMMEDIATE). It outlives retention, so a number is never given twice; a meeting from before it starts
        // after its highest question.
        const { no } = (await t.get<{ no: number }>(
          `INSERT INTO question_numbers (tenant, meeting, last) VALUES (?, ?, (SELECT COALESCE(MAX(no), 0) + 1 FROM questions WHERE tenant = ? AND meeting = ?))
           ON CONFLICT (tenant, meeting) DO UPDATE SET last = question_numbers.last + 1 RETURNING last AS no`,
          [tenant, meeting, tenant, meeting],
        ))!;
        if ((await t.get<{ n: number }>('SELECT COUNT(*) AS n FROM questions WHERE tenant = ? AND meeting = ?', [tenant, meeting]))!.n >= MAX_PER_MEETING) throw FULL;
        await t.run('INSERT INTO questions (tenant, meeting, no, name, email, text, created) VALUES (?, ?, ?, ?, ?, ?, ?)', [tenant, meeting, no, q.name, q.email ?? null, q.text, now]);
        return { id: `q${no}`, no, name: q.name, email: q.email ?? null, text: q.text, created: now };
      })
      .catch((e: unknown) => {
        if (e === FULL) return undefined; // rolled back: the number is not spent
        throw e;
      });
  }

  async list(tenant: string, meeting: string): Promise<Question[]> {
    return (await this.db.all<Omit<Question, 'id'>>('SELECT no, name, email, text, created FROM questions WHERE tenant = ? AND meeting = ? ORDER BY no', [tenant, meeting])).map((r) => ({ id: `q${r.no}`, ...r }));
  }
}

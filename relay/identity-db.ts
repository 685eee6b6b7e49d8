/** The relay's identity database (invitations, second factors), kept apart from the session log's store. */
import Database from 'better-sqlite3';

export function openIdentityDb(file: string, schema: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(schema);
  return db;
}

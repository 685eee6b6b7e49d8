/**
 * A throw-away PostgreSQL server for one test file: its own data folder, a free loopback port, trust
 * authentication for one user, stopped and deleted afterwards. The binaries come from Debian's `postgresql`
 * package (/usr/lib/postgresql/<v>/bin) or from PATH. initdb refuses to run as root: as root, the server runs
 * as the `postgres` user (the package creates it), else as `nobody` (spawned with that uid and gid).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface Postgres {
  /** A connection URL for a database of this server. */
  url(database?: string): string;
  /** A fresh, empty database; its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

const USER = 'ratsraum';

function binDir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => existsSync(join(debian, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions[0]) return join(debian, versions[0], 'bin');
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres'))) return d;
  return undefined;
}

/** Whether PostgreSQL's binaries are here (store-pg tests need them; `.ci/run` installs them). */
export const postgresAvailable = (): boolean => binDir() !== undefined;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/** As root: the ids of `postgres` (or `nobody`), so that the binaries run as that user. */
function notRoot(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string, user: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u', 'postgres'), gid: id('-g', 'postgres') };
  } catch {
    return { uid: id('-u', 'nobody'), gid: id('-g', 'nobody') };
  }
}

let counter = 0;

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it');
  const dir = mkdtempSync(join(tmpdir(), 'ratsraum-pg-'));
  const data = join(dir, 'data');
  const user = notRoot();
  if (user) chownSync(dir, user.uid, user.gid);
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', USER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...user });
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'max_connections=200', '-c', 'shared_buffers=32MB'];
  const child: ChildProcess = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...user });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const url = (database = 'postgres') => `postgres://${USER}@127.0.0.1:${port}/${database}`;
  const end = Date.now() + 60_000;
  for (;;) {
    const c = new pg.Client({ connectionString: url() });
    try {
      await c.connect();
      await c.end();
      break;
    } catch (e) {
      await c.end().catch(() => {});
      if (child.exitCode !== null || Date.now() > end) {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`PostgreSQL did not start: ${(e as Error).message}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    async createDatabase(name = `t${process.pid}_${++counter}`) {
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    async stop() {
      // Immediate shutdown: clients still connected do not hold it up.
      if (child.exitCode === null) child.kill('SIGQUIT');
      const killed = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killed);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One statement through a client of its own (not the relay's pool): what the database holds, read from outside. */
export async function pgQuery<R extends pg.QueryResultRow>(url: string, sql: string, args: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, args)).rows;
  } finally {
    await c.end();
  }
}

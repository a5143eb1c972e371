/**
 * A throwaway PostgreSQL cluster for integration tests: initdb into a temp directory, a server
 * on a free loopback port (TCP only, fsync off), stopped and deleted after.
 *
 *   const pg = await startPostgres();      // resolves once the server accepts connections
 *   ... new PostgresShareStore({ connectionString: pg.url }) ...
 *   pg.dump('share_links')                  // pg_dump --data-only of one table
 *   pg.dataFiles()                          // every file of the cluster (heap, WAL), for leak greps
 *   await pg.stop();
 *
 * Binaries: `RAYGUARD_PG_BIN` if set, else the newest /usr/lib/postgresql/<major>/bin (Debian's
 * layout), else `pg_config --bindir`. Missing binaries are an error that says how to install
 * them, never a skip.
 *
 * PostgreSQL refuses to run as root. As root the cluster belongs to the `postgres` system user
 * (which Debian's package creates) and every server binary runs through `setpriv` (util-linux)
 * with that user's uid and gid: setpriv execs in place, so the child's pid is the server's own
 * and signals reach it directly.
 *
 * `RAYGUARD_TEST_DATABASE_URL` instead points the tests at a database that is already running
 * (a CI service container); then nothing is started and `dataFiles()` is empty.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './moto';

export { freePort };

export interface Postgres {
  /** postgres://… connection string of the test database. */
  url: string;
  /** The cluster's directory (empty string for an external database). */
  dataDir: string;
  /** `pg_dump --data-only` of one table, as text. */
  dump(table: string): string;
  /** Every regular file under the data directory (relation files, WAL). */
  dataFiles(): string[];
  /** Stops the server and deletes the cluster. Idempotent. */
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'Install the PostgreSQL server binaries (Debian: `apt-get install -y postgresql`, which also creates the `postgres` user), ' +
  'or set RAYGUARD_PG_BIN to the directory holding initdb and postgres, ' +
  'or set RAYGUARD_TEST_DATABASE_URL to a database the tests may use.';

/** The directory holding initdb, postgres and pg_dump; throws with an install hint when absent. */
export function postgresBinDir(): string {
  const has = (dir: string) => ['initdb', 'postgres', 'pg_dump'].every((b) => existsSync(path.join(dir, b)));
  const fromEnv = process.env.RAYGUARD_PG_BIN?.trim();
  if (fromEnv) {
    if (has(fromEnv)) return fromEnv;
    throw new Error(`RAYGUARD_PG_BIN=${fromEnv} does not hold initdb, postgres and pg_dump. ${INSTALL_HINT}`);
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
    for (const m of majors) if (has(path.join(root, m, 'bin'))) return path.join(root, m, 'bin');
  }
  const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (r.status === 0 && has(r.stdout.trim())) return r.stdout.trim();
  throw new Error(`PostgreSQL server binaries not found (looked in ${root}/*/bin and pg_config). ${INSTALL_HINT}`);
}

/** uid and gid to run the server as: ours, or the `postgres` user's when we are root. */
function serverUser(): { uid: number; gid: number; asRoot: boolean } {
  const uid = process.getuid?.() ?? 1;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? 1, asRoot: false };
  const id = (flag: string) => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    return r.status === 0 ? Number(r.stdout.trim()) : NaN;
  };
  const pu = id('-u');
  const pgid = id('-g');
  if (!Number.isInteger(pu) || !Number.isInteger(pgid)) {
    throw new Error(`The tests run as root, and PostgreSQL will not; but there is no "postgres" user to run it as. ${INSTALL_HINT}`);
  }
  if (!existsSync('/usr/bin/setpriv') && spawnSync('setpriv', ['--version']).status !== 0) {
    throw new Error('The tests run as root and need setpriv (util-linux) to start PostgreSQL as the postgres user.');
  }
  return { uid: pu, gid: pgid, asRoot: true };
}

/** argv that runs `bin args…` as the server user. */
function asServerUser(user: { uid: number; gid: number; asRoot: boolean }, bin: string, args: string[]): [string, string[]] {
  if (!user.asRoot) return [bin, args];
  return ['setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--', bin, ...args]];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Servers and directories still around, cleaned up if the process exits without stopping them. */
const running = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHook = false;
function installExitHook() {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const child of running) {
      try {
        child.kill('SIGQUIT'); // immediate shutdown: the postmaster takes its backends with it
      } catch {
        /* gone */
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...walk(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

async function accepts(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function external(url: string, bin: string | null): Postgres {
  return {
    url,
    dataDir: '',
    dump(table) {
      if (!bin) throw new Error('pg_dump is needed to dump a table');
      return execFileSync(path.join(bin, 'pg_dump'), ['--data-only', '--table', table, '--dbname', url], { encoding: 'latin1', maxBuffer: 256 << 20 });
    },
    dataFiles: () => [],
    stop: async () => undefined,
  };
}

export interface StartPostgresOptions {
  /** How long to wait for the server to accept connections. Default 30 s. */
  startTimeoutMs?: number;
}

/** Starts a throwaway cluster (or uses RAYGUARD_TEST_DATABASE_URL). Fails, with a hint, when PostgreSQL is missing. */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<Postgres> {
  const given = process.env.RAYGUARD_TEST_DATABASE_URL?.trim();
  if (given) {
    let bin: string | null = null;
    try {
      bin = postgresBinDir();
    } catch {
      bin = null;
    }
    return external(given, bin);
  }
  const bin = postgresBinDir();
  const user = serverUser();
  const root = mkdtempSync(path.join(tmpdir(), 'rayguard-pg-'));
  dirs.add(root);
  installExitHook();
  if (user.asRoot) chownSync(root, user.uid, user.gid);
  const data = path.join(root, 'data');
  const init = spawnSync(
    ...asServerUser(user, path.join(bin, 'initdb'), ['-D', data, '-U', 'rayguard', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']),
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  if (init.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    dirs.delete(root);
    throw new Error(`initdb failed (exit ${init.status ?? init.signal}):\n${(init.stderr || init.stdout || String(init.error ?? '')).trim().slice(-2000)}`);
  }

  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `postgres://rayguard@127.0.0.1:${port}/postgres`;
    const args = [
      '-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', '',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      '-c', 'max_connections=40', '-c', 'shared_buffers=16MB', '-c', 'logging_collector=off',
    ];
    const child = spawn(...asServerUser(user, path.join(bin, 'postgres'), args), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let log = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      log = (log + d).slice(-4000);
    });
    let exited: number | null | undefined;
    const exitedPromise = new Promise<void>((resolve) => {
      child.once('exit', (code) => {
        exited = code;
        running.delete(child);
        resolve();
      });
    });
    child.once('error', (e) => {
      log += `\n${e.message}`;
    });
    const stopServer = async () => {
      if (exited !== undefined) return;
      child.kill('SIGINT'); // fast shutdown
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(killer);
    };

    const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
    while (Date.now() < deadline && exited === undefined) {
      if (await accepts(url)) {
        let stopped = false;
        return {
          url,
          dataDir: data,
          dump: (table) =>
            execFileSync(path.join(bin, 'pg_dump'), ['--data-only', '--table', table, '--dbname', url], { encoding: 'latin1', maxBuffer: 256 << 20 }),
          dataFiles: () => walk(data),
          async stop() {
            if (stopped) return;
            stopped = true;
            await stopServer();
            rmSync(root, { recursive: true, force: true });
            dirs.delete(root);
          },
        };
      }
      await sleep(100);
    }
    await stopServer();
    lastError = log.trim();
    if (!/could not bind|address already in use/i.test(log)) break; // only a lost port race is worth another try
  }
  rmSync(root, { recursive: true, force: true });
  dirs.delete(root);
  throw new Error(`PostgreSQL did not start:\n${lastError.slice(-2000)}`);
}

/** Reads a file as latin-1 (every byte one character), for byte greps. */
export function readBytes(file: string): string {
  return readFileSync(file, 'latin1');
}

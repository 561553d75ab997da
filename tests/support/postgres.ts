/**
 * Throwaway PostgreSQL clusters for integration tests: a real server (not a
 * mock) in a temp dir, on a random loopback port, trust auth, gone on stop.
 * @module
 */

import postgres from "postgres";
import { delay, freePort } from "./ports.ts";

/** A running throwaway cluster. */
export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  /** Directory holding data/, the unix socket and server.log. */
  readonly dir: string;
  /** `pg_ctl stop -m immediate`, then removes the directory. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The OS user that owns the cluster when tests run as root. */
const PG_USER = "postgres";

/** Binaries a cluster needs, taken from one PostgreSQL installation. */
interface PgBins {
  initdb: string;
  pgCtl: string;
}

/**
 * Creates and starts a fresh cluster (~1 s). Tuned for speed, not safety:
 * fsync is off because the data is deleted afterwards anyway.
 */
export async function startPostgres(): Promise<PgCluster> {
  const bins = findPgBins();
  const owner = clusterOwner();
  // Fixed /tmp: the unix socket path must stay under ~107 bytes and a root
  // TMPDIR (e.g. under /root) would not be traversable by `postgres`.
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "falcon-pg-" });
  try {
    // makeTempDir gives 0700; the postgres user must be able to enter it.
    await Deno.chmod(dir, 0o755);
    if (owner) await Deno.chown(dir, owner.uid, owner.gid);
    const dataDir = `${dir}/data`;
    await run(
      bins.initdb,
      [
        "-D",
        dataDir,
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-sync",
        "--no-instructions",
      ],
      dir,
      owner !== null,
    );
    const port = await startServer(bins, dir, dataDir, owner !== null);
    return makeCluster(bins, dir, dataDir, port, owner !== null);
  } catch (err) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
}

/**
 * Creates an empty database in `cluster` and returns its URL, so each test
 * can have its own schema without starting another server.
 */
export async function createDatabase(
  cluster: PgCluster,
  name = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`,
): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(
      `database name ${JSON.stringify(name)} must match [a-z_][a-z0-9_]*`,
    );
  }
  const sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return `postgres://postgres@127.0.0.1:${cluster.port}/${name}`;
}

/**
 * Starts the postmaster on a free port, retrying with another port if a
 * parallel test grabbed it between freePort() and bind().
 */
async function startServer(
  bins: PgBins,
  dir: string,
  dataDir: string,
  asPostgres: boolean,
): Promise<number> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
    ].join(" ");
    try {
      await run(
        bins.pgCtl,
        [
          "-D",
          dataDir,
          "-o",
          options,
          "-l",
          `${dir}/server.log`,
          "-w",
          "-t",
          "15",
          "start",
        ],
        dir,
        asPostgres,
      );
      return port;
    } catch (err) {
      lastError = err as Error;
      const log = await Deno.readTextFile(`${dir}/server.log`).catch(() => "");
      if (!/could not bind|already in use/i.test(log)) {
        throw new Error(
          `${lastError.message}\nserver.log:\n${log.slice(-2000)}`,
        );
      }
      await Deno.writeTextFile(`${dir}/server.log`, "");
      await delay(50);
    }
  }
  throw lastError ?? new Error("PostgreSQL did not start");
}

/** Wraps a started server in the PgCluster handle. */
function makeCluster(
  bins: PgBins,
  dir: string,
  dataDir: string,
  port: number,
  asPostgres: boolean,
): PgCluster {
  let stopped: Promise<void> | null = null;
  function stop(): Promise<void> {
    stopped ??= stopCluster(bins, dir, dataDir, asPostgres);
    return stopped;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Immediate shutdown (no checkpoint: the data is thrown away), with a
 * SIGKILL of the postmaster as fallback so no server outlives the test.
 */
async function stopCluster(
  bins: PgBins,
  dir: string,
  dataDir: string,
  asPostgres: boolean,
): Promise<void> {
  try {
    await run(
      bins.pgCtl,
      ["-D", dataDir, "stop", "-m", "immediate", "-w", "-t", "10"],
      dir,
      asPostgres,
    );
  } catch {
    const pid = await postmasterPid(dataDir);
    if (pid) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  await Deno.remove(dir, { recursive: true });
}

/** First line of postmaster.pid, or null when the server is not running. */
async function postmasterPid(dataDir: string): Promise<number | null> {
  try {
    const text = await Deno.readTextFile(`${dataDir}/postmaster.pid`);
    const pid = Number(text.split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Runs a PostgreSQL tool, as the `postgres` user when we are root because
 * initdb and postgres refuse to run as root. `runuser` passes argv through
 * untouched, so no shell quoting is involved.
 */
async function run(
  cmd: string,
  args: string[],
  cwd: string,
  asPostgres: boolean,
): Promise<void> {
  const [program, argv] = asPostgres
    ? ["runuser", ["-u", PG_USER, "--", cmd, ...args]]
    : [cmd, args];
  const out = await new Deno.Command(program, {
    args: argv,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const dec = new TextDecoder();
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}):\n` +
        dec.decode(out.stdout) + dec.decode(out.stderr),
    );
  }
}

/**
 * When running as root, returns the uid/gid of the `postgres` user that
 * will own the cluster; null when we are not root and can run it ourselves.
 */
function clusterOwner(): { uid: number; gid: number } | null {
  if (Deno.uid() !== 0) return null;
  let passwd = "";
  try {
    passwd = Deno.readTextFileSync("/etc/passwd");
  } catch {
    // Fall through to the error below.
  }
  const line = passwd.split("\n").find((l) => l.startsWith(`${PG_USER}:`));
  if (!line) {
    throw new Error(
      "running as root but there is no 'postgres' user to own the test " +
        "cluster (initdb refuses root); apt-get install postgresql creates it",
    );
  }
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Finds initdb and pg_ctl in PATH, /usr/local/bin, or the newest
 * /usr/lib/postgresql/<version>/bin (Debian keeps them off PATH there).
 */
export function findPgBins(): PgBins {
  const dirs = [
    ...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean),
    "/usr/local/bin",
    ...debianPgBinDirs(),
  ];
  for (const dir of dirs) {
    const initdb = `${dir}/initdb`;
    const pgCtl = `${dir}/pg_ctl`;
    if (isExecutable(initdb) && isExecutable(pgCtl)) return { initdb, pgCtl };
  }
  throw new Error(
    "PostgreSQL server binaries (initdb, pg_ctl) not found in PATH, " +
      "/usr/local/bin or /usr/lib/postgresql/*/bin. Install them with: " +
      "apt-get install -y --no-install-recommends postgresql",
  );
}

/** /usr/lib/postgresql/<version>/bin, newest version first. */
function debianPgBinDirs(): string[] {
  const versions: number[] = [];
  try {
    for (const entry of Deno.readDirSync("/usr/lib/postgresql")) {
      if (/^\d+$/.test(entry.name)) versions.push(Number(entry.name));
    }
  } catch {
    return [];
  }
  return versions.sort((a, b) => b - a).map((v) =>
    `/usr/lib/postgresql/${v}/bin`
  );
}

/** True for an existing regular file with any execute bit. */
function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

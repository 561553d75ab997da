/**
 * Embedded PostgreSQL: PGlite persisted in a directory and served on a
 * loopback port by pglite-socket. PGlite is a single backend: transactions
 * from different connections serialize and LISTEN/NOTIFY does not cross
 * connections, so nothing here relies on NOTIFY (see DESIGN.md).
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/**
 * Postgres' defaults size its buffers for a database server (shared_buffers
 * 128 MB); the embedded one holds a camera system's metadata, so small
 * buffers do. Measured on a warm open: RSS 281 MB → 180 MB (bench/footprint.ts).
 */
export const EMBEDDED_POSTGRES_CONF = [
  "shared_buffers=16MB",
  "work_mem=1MB",
  "maintenance_work_mem=8MB",
  "wal_buffers=1MB",
  "temp_buffers=1MB",
];

/**
 * Whether `dir` holds an initialized PGlite data directory (PostgreSQL writes
 * `PG_VERSION` there during initdb). A directory without it makes
 * `startEmbeddedPostgres` run initdb, PGlite's most memory-hungry step.
 */
export async function embeddedDataDirReady(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(`${dir}/PG_VERSION`)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

export interface EmbeddedPostgres {
  host: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(
  dir: string,
): Promise<EmbeddedPostgres> {
  await Deno.mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir, {
    postgresqlconf: EMBEDDED_POSTGRES_CONF,
  });
  const server = new PGLiteSocketServer({
    db,
    port: 0,
    host: "127.0.0.1",
    maxConnections: 16,
  });
  await server.start();
  const port = Number(server.getServerConn().split(":").pop());
  return {
    host: "127.0.0.1",
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

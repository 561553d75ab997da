/**
 * The database handle: postgres.js against PostgreSQL when a URL is given,
 * otherwise against an embedded PGlite served over the wire protocol
 * (pglite-socket), so the same client code runs in both cases.
 */
import postgres from "postgres";
import { startEmbeddedPostgres } from "./embedded.ts";

export type Sql = postgres.Sql;
export type TxSql = postgres.TransactionSql;

export interface Database {
  sql: Sql;
  kind: "postgres" | "pglite";
  /** Connection string with any password redacted, for logs. */
  describe: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; when absent the embedded database in `dataDir` is used. */
  url?: string;
  dataDir: string;
  /** Pool size. @default 10 */
  max?: number;
}

const noop = () => {};

/** Where the embedded database lives inside the data dir. */
export function embeddedDir(dataDir: string): string {
  return `${dataDir}/pglite`;
}

export async function openDatabase(
  opts: OpenDatabaseOptions,
): Promise<Database> {
  if (opts.url) {
    const sql = postgres(opts.url, {
      max: opts.max ?? 10,
      onnotice: noop,
      connect_timeout: 10,
    });
    await sql`select 1`;
    const u = new URL(opts.url);
    if (u.password) u.password = "***";
    return {
      sql,
      kind: "postgres",
      describe: u.toString(),
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const embedded = await startEmbeddedPostgres(embeddedDir(opts.dataDir));
  const sql = postgres({
    host: embedded.host,
    port: embedded.port,
    user: "postgres",
    database: "postgres",
    // One connection: PGlite is a single backend, and interleaving extended-protocol
    // messages from several connections loses portals ("portal \"\" does not exist").
    max: 1,
    onnotice: noop,
  });
  return {
    sql,
    kind: "pglite",
    describe: `embedded PGlite in ${embeddedDir(opts.dataDir)}`,
    async close() {
      await sql.end({ timeout: 5 });
      await embedded.stop();
    },
  };
}

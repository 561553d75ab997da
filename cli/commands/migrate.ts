/** `falcon migrate`: apply database migrations and exit (an init step in Kubernetes). */
import { loadConfig, settingsHelp } from "../../lib/config.ts";
import { configureLog, logger } from "../../lib/log.ts";
import { controllerSettings } from "../../controller/config.ts";
import { openDatabase } from "../../controller/db/client.ts";
import { migrate } from "../../controller/db/migrate.ts";

export const migrateSettings = {
  dataDir: controllerSettings.dataDir,
  databaseUrl: controllerSettings.databaseUrl,
  logLevel: controllerSettings.logLevel,
  logFormat: controllerSettings.logFormat,
};

export const migrateHelp =
  `falcon migrate — apply pending database migrations, then exit

Usage: falcon migrate [flags]

Settings (flag, environment variable):
${settingsHelp(migrateSettings)}
`;

export async function runMigrate(
  flags: Record<string, string | undefined>,
): Promise<void> {
  const cfg = loadConfig(migrateSettings, flags, (n) => Deno.env.get(n));
  configureLog({ level: cfg.logLevel, json: cfg.logFormat === "json" });
  const db = await openDatabase({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
  try {
    const applied = await migrate(db.sql);
    logger("migrate").info(
      applied.length ? "migrations applied" : "database is up to date",
      {
        database: db.describe,
        versions: applied,
      },
    );
  } finally {
    await db.close();
  }
}

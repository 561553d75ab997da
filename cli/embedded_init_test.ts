import assert from "node:assert/strict";
import { initEmbeddedDatabase } from "./embedded_init.ts";

const base = { logLevel: "warn", logFormat: "text" };

Deno.test("embedded init: a fresh data dir runs `migrate` in a child, with the log settings", async () => {
  const dataDir = await Deno.makeTempDir();
  const calls: { args: string[]; env: Record<string, string> }[] = [];
  const done = await initEmbeddedDatabase({
    ...base,
    dataDir,
    run: (args, env) => {
      calls.push({ args, env });
      return Promise.resolve(0);
    },
  });
  assert.equal(done, "initialized");
  assert.deepEqual(calls, [{
    args: ["migrate", "--data-dir", dataDir],
    env: { FALCON_LOG_LEVEL: "warn", FALCON_LOG_FORMAT: "text" },
  }]);
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("embedded init: an initialized data dir or a PostgreSQL URL runs nothing", async () => {
  const dataDir = await Deno.makeTempDir();
  await Deno.mkdir(`${dataDir}/pglite`);
  await Deno.writeTextFile(`${dataDir}/pglite/PG_VERSION`, "17\n");
  const run = () => Promise.reject(new Error("must not run"));
  assert.equal(
    await initEmbeddedDatabase({ ...base, dataDir, run }),
    "ready",
  );
  assert.equal(
    await initEmbeddedDatabase({
      ...base,
      dataDir: `${dataDir}/elsewhere`,
      databaseUrl: "postgres://db/falcon",
      run,
    }),
    "external",
  );
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("embedded init: a failed child is an error naming the command and its code", async () => {
  const dataDir = await Deno.makeTempDir();
  await assert.rejects(
    initEmbeddedDatabase({ ...base, dataDir, run: () => Promise.resolve(3) }),
    (e: Error) => {
      assert.match(
        e.message,
        /falcon migrate --data-dir .* exited with code 3/,
      );
      return true;
    },
  );
  await Deno.remove(dataDir, { recursive: true });
});

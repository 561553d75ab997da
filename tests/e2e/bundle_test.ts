/**
 * `deno compile` needs a runtime download this build machine cannot reach, so
 * the closest check here: main.ts bundles into one file that runs.
 */
import assert from "node:assert/strict";

Deno.test({
  name: "main.ts bundles into one JavaScript file that runs `falcon version`",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "falcon-bundle-" });
    const root = new URL("../../", import.meta.url).pathname;
    try {
      const bundle = await new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          "--platform",
          "deno",
          "-o",
          `${dir}/falcon.js`,
          "main.ts",
        ],
        cwd: root,
      }).output();
      assert.equal(bundle.code, 0, new TextDecoder().decode(bundle.stderr));
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${dir}/falcon.js`, "version"],
        cwd: dir,
      }).output();
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
      assert.match(new TextDecoder().decode(run.stdout), /^\d+\.\d+\.\d+/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

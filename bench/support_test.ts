import assert from "node:assert/strict";
import { eachFlag, pattern, round2, sum, until } from "./support.ts";
import { parseDashboardArgs } from "./dashboard.ts";
import { parseFanoutArgs } from "./fanout.ts";
import { parseRecordingArgs } from "./recording.ts";

Deno.test("eachFlag() takes `--flag value` and `--flag=value`, and names the usage for an unknown flag", () => {
  const seen: [string, string][] = [];
  eachFlag(
    ["--a", "1", "--b=2", "--c"],
    "--a N, --b N, --c",
    (flag, value) => {
      seen.push([flag, flag === "--c" ? "" : value()]);
      return true;
    },
  );
  assert.deepEqual(seen, [["--a", "1"], ["--b", "2"], ["--c", ""]]);
  assert.throws(
    () => eachFlag(["--x", "1"], "--a N", () => false),
    { message: "unknown flag --x; use --a N" },
  );
});

Deno.test("the benchmarks' parsers: each reads its own flags", () => {
  assert.deepEqual(
    parseFanoutArgs(["--seconds=5", "--viewers", "1,10", "--pattern", "snow"]),
    { seconds: 5, viewers: [1, 10], pattern: "snow" },
  );
  assert.deepEqual(
    parseRecordingArgs(["--pattern", "ball", "--no-write"]),
    { pattern: "ball", resultsPath: null },
  );
  // Through bench/mod.ts every benchmark sees every flag and skips others'.
  assert.deepEqual(
    parseDashboardArgs(
      ["--cameras", "16", "--pattern", "snow", "--no-write", "--seconds=5"],
      { lenient: true },
    ),
    { cameras: 16, resultsPath: null },
  );
  assert.throws(
    () => parseDashboardArgs(["--pattern", "snow"]),
    /unknown flag --pattern/,
  );
  assert.throws(
    () => parseFanoutArgs(["--size", "1x1"]),
    /unknown flag --size/,
  );
  assert.throws(
    () => parseRecordingArgs(["--pattern", "bars"]),
    { message: "--pattern must be ball, smpte or snow, got bars" },
  );
  assert.equal(pattern("--pattern", "smpte"), "smpte");
});

Deno.test("until() polls until true, or throws naming what it waited for", async () => {
  let n = 0;
  await until(() => ++n === 3, 1000, "three polls", 1);
  assert.equal(n, 3);
  await assert.rejects(
    until(() => false, 20, "nothing", 5),
    { message: "timed out after 20 ms waiting for nothing" },
  );
  assert.equal(sum([1, 2, 3.5]), 6.5);
  assert.equal(round2(1.23456), 1.23);
});

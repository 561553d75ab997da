import assert from "node:assert/strict";
import { FakeClock } from "../../lib/time/fake_clock.ts";
import { TtlCache } from "./ttl_cache.ts";

Deno.test("TtlCache: entries expire, deletes apply at once, the size is bounded", async () => {
  const clock = new FakeClock(0);
  const c = new TtlCache<string, number>(clock, 2000, 2);
  c.set("a", 1);
  clock.advance(1999);
  assert.equal(c.get("a"), 1);
  clock.advance(1);
  assert.equal(c.get("a"), undefined);
  let loads = 0;
  const load = () => Promise.resolve(++loads);
  assert.equal(await c.through("b", load), 1);
  assert.equal(await c.through("b", load), 1);
  c.deleteWhere((v) => v === 1);
  assert.equal(await c.through("b", load), 2);
  c.set("c", 3);
  c.set("d", 4); // over the bound of 2: the oldest ("b") goes
  assert.equal(c.get("b"), undefined);
  assert.equal(c.get("d"), 4);
});

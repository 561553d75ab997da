import assert from "node:assert/strict";
import { StartGate } from "./start_gate.ts";

const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("StartGate lets `limit` starts through and queues the rest in order", async () => {
  const gate = new StartGate({ limit: 2, maxHoldMs: 60_000 });
  const order: string[] = [];
  const take = (name: string) =>
    gate.acquire().then((release) => {
      order.push(name);
      return release;
    });
  const a = take("a");
  const b = take("b");
  const c = take("c");
  const d = take("d");
  await tick();
  assert.deepEqual(order, ["a", "b"]);
  assert.equal(gate.active, 2);
  assert.equal(gate.waiting, 2);
  (await b)();
  await tick();
  assert.deepEqual(order, ["a", "b", "c"]);
  const releaseA = await a;
  releaseA();
  releaseA(); // a second call must not free a second slot
  await tick();
  assert.deepEqual(order, ["a", "b", "c", "d"]);
  assert.equal(gate.active, 2);
  (await c)();
  (await d)();
  assert.equal(gate.active, 0);
});

Deno.test("StartGate frees a slot held too long", async () => {
  const gate = new StartGate({ limit: 1, maxHoldMs: 50 });
  await gate.acquire(); // never released by its holder
  const started = performance.now();
  const release = await gate.acquire();
  const waited = performance.now() - started;
  assert.ok(waited >= 40 && waited < 1000, `waited ${waited} ms`);
  release();
  assert.equal(gate.active, 0);
});

Deno.test("StartGate defaults to two starts per core, at least two", () => {
  const gate = new StartGate();
  assert.equal(
    gate.limit,
    Math.max(2, 2 * (navigator.hardwareConcurrency || 1)),
  );
  assert.equal(new StartGate({ limit: 0 }).limit, 1);
});

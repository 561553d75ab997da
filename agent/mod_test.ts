/** The turn loop: backoff while the controller is away, exit on a rejected credential. */
import assert from "node:assert/strict";
import { type ControllerClient, CredentialRejected } from "./client.ts";
import { serveTurns } from "./mod.ts";

Deno.test("the loop backs off while the controller is unreachable, then polls again; stop ends it", async () => {
  const calls: number[] = [];
  const stop = new AbortController();
  const client = {
    nextTurn: (_wait: number, signal: AbortSignal) => {
      calls.push(Date.now());
      if (calls.length <= 2) {
        return Promise.reject(
          new TypeError("error sending request: Connection refused"),
        );
      }
      if (calls.length === 4) stop.abort();
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(null), 20);
        signal.addEventListener("abort", () => {
          clearTimeout(t);
          resolve(null);
        });
      });
    },
  } as unknown as ControllerClient;
  await serveTurns(client, 1, stop.signal);
  assert.equal(calls.length, 4);
  assert.ok(
    calls[1] - calls[0] >= 450,
    `first retry after ${calls[1] - calls[0]} ms`,
  );
  assert.ok(
    calls[2] - calls[1] >= 950,
    `second retry after ${calls[2] - calls[1]} ms`,
  );
  assert.ok(calls[3] - calls[2] < 400, "a good poll is followed at once");
});

Deno.test("a rejected credential ends the loop with CredentialRejected", async () => {
  const client = {
    nextTurn: () => Promise.reject(new CredentialRejected(403, "turns/next")),
  } as unknown as ControllerClient;
  await assert.rejects(
    serveTurns(client, 1, new AbortController().signal),
    (e) =>
      e instanceof CredentialRejected && /403 on turns\/next/.test(e.message),
  );
});

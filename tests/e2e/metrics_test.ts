/**
 * Observability across the two processes: both `/metrics` endpoints are
 * scraped and parsed as Prometheus exposition text, only with the right
 * credentials, and their values move with what happens (a streaming camera
 * has relay fps > 0, a request raises its histogram count); one request id
 * sent to the controller appears on JSON log lines of the controller and of
 * the node agent it called.
 */
import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { configureLog } from "../../lib/log.ts";
import { eventually, readFrames, startStack } from "../support/stack.ts";

const METRICS_TOKEN = "metrics-token-for-the-test-0123";

interface Sample {
  value?: string;
  count?: string;
  labels?: Record<string, string>;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}

/**
 * Parses a scrape. parse-prometheus-text-format drops the labels of
 * histogram samples that prom-client writes with `le` first, so a
 * histogram's `_count` series are read from the same text as samples of a
 * family of their own (`<name>_count`, type COUNT), each line checked
 * against the exposition grammar.
 */
async function scrape(url: string, token?: string): Promise<Family[]> {
  const res = await fetch(`${url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  const families = parsePrometheusTextFormat(text) as Family[];
  for (const f of families.filter((f) => f.type === "HISTOGRAM")) {
    const counts: Sample[] = [];
    for (const line of text.split("\n")) {
      if (!line.startsWith(`${f.name}_count`)) continue;
      const m = /^[a-z_]+_count(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(m, `a valid sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const l of (m[1] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        labels[l[1]] = l[2];
      }
      counts.push({ labels, value: m[2] });
    }
    families.push({ name: `${f.name}_count`, type: "COUNT", metrics: counts });
  }
  return families;
}

function samples(families: Family[], name: string): Sample[] {
  const f = families.find((f) => f.name === name);
  assert.ok(f, `metric ${name} is exposed`);
  return f.metrics;
}

function value(
  families: Family[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const match = samples(families, name).find((s) =>
    Object.entries(labels).every(([k, v]) => s.labels?.[k] === v)
  );
  return match ? Number(match.value ?? match.count) : 0;
}

async function status(url: string, token?: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test({
  name:
    "metrics on both processes move with a streaming camera; a request id reaches both logs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack({ metricsToken: METRICS_TOKEN });
    const controllerLines: string[] = [];
    configureLog({
      level: "debug",
      json: true,
      sink: (line) => controllerLines.push(line),
    });
    let nodeOut = "";
    let reading: Promise<void> | null = null;
    try {
      const agent = await stack.startNodeAgent("metrics-node", {
        env: { FALCON_LOG_FORMAT: "json", FALCON_LOG_LEVEL: "debug" },
        pipeStdout: true,
      });
      reading = agent.child.stdout.pipeThrough(new TextDecoderStream())
        .pipeTo(new WritableStream({ write: (s) => void (nodeOut += s) }));
      const created = await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "Demo",
          protocol: "demo",
          source_url: "demo://",
          resolution: "320x240",
          framerate: 10,
        },
      });
      assert.equal(created.status, 201);
      const cam = await created.json();
      // The node's own key (chosen at enrolment) is what its API accepts.
      const target = (await stack.controller.nodes.target("metrics-node"))!;
      const nodeUrl = target.address;
      const nodeToken = target.token;

      // Unauthorized scrapes: no credentials, a wrong token, the node token on the controller.
      assert.equal(await status(stack.url), 401);
      assert.equal(await status(stack.url, "not-the-metrics-token-0000"), 401);
      assert.equal(await status(stack.url, nodeToken), 401);
      assert.equal(await status(nodeUrl), 401);
      assert.equal(await status(nodeUrl, METRICS_TOKEN), 401);
      // An admin's full API token may scrape too.
      assert.equal(await status(stack.url, stack.adminToken), 200);

      const route = "/api/cameras/:id/snapshot";
      const before = await scrape(stack.url, METRICS_TOKEN);
      const snapshotsBefore = value(
        before,
        "falcon_http_request_duration_seconds_count",
        { route, status: "200" },
      );

      // One request with our id: controller → node agent.
      const rid = "e2e-request-4f1c9a";
      let snap: Response | null = null;
      await eventually(
        async () => {
          snap = await stack.api(`/api/cameras/${cam.id}/snapshot`, {
            headers: { "x-request-id": rid },
          });
          await snap.body?.cancel();
          return snap.status === 200;
        },
        20000,
        "a snapshot",
      );
      assert.equal(snap!.headers.get("x-request-id"), rid);
      const bogus = await stack.api("/api/cameras", {
        headers: { "x-request-id": "bad id with spaces" },
      });
      await bogus.body?.cancel();
      assert.match(
        bogus.headers.get("x-request-id") ?? "",
        /^[0-9a-f-]{36}$/,
        "an insane incoming id is replaced",
      );

      const withId = (text: string[]) =>
        text.flatMap((l) => {
          try {
            const o = JSON.parse(l);
            return o.request_id === rid ? [o] : [];
          } catch {
            return [];
          }
        });
      assert.ok(
        withId(controllerLines).some((o) =>
          o.msg === "request" && o.path === `/api/cameras/${cam.id}/snapshot`
        ),
        "the controller logged the request with its id",
      );
      await eventually(
        () =>
          withId(nodeOut.split("\n")).some((o) =>
            o.msg === "request" && o.path === `/v1/cameras/${cam.id}/snapshot`
          ),
        5000,
        "the node agent's JSON log line with the same request id",
      );

      // Stream through the controller while scraping both.
      // ~6 s of frames at 10 fps: long enough for the scrapes below.
      let streamError: unknown = null;
      const streaming = readFrames(
        `${stack.url}/api/cameras/${cam.id}/stream`,
        {
          count: 60,
          timeoutMs: 20000,
          headers: stack.auth,
        },
      ).catch((e) => {
        streamError = e;
        return [];
      });
      let node: Family[] = [];
      await eventually(
        async () => {
          node = await scrape(nodeUrl, nodeToken);
          return value(node, "falcon_relay_fps", { camera: cam.id }) > 0 &&
            value(node, "falcon_relay_viewers", { camera: cam.id }) >= 1;
        },
        20000,
        "relay fps > 0 with a viewer on the node agent",
      );
      assert.equal(value(node, "falcon_relay_restarts", { camera: cam.id }), 0);
      assert.ok(value(node, "falcon_disk_free_bytes") > 0);
      assert.ok(samples(node, "falcon_outbox_depth").length === 1);
      assert.ok(
        value(node, "falcon_http_request_duration_seconds_count", {
          route: "/v1/cameras/:id/snapshot",
        }) >= 1,
        "the node histogram counted the snapshot by its route pattern",
      );
      assert.ok(samples(node, "falcon_event_loop_lag_seconds").length > 0);

      const after = await scrape(stack.url, METRICS_TOKEN);
      assert.ok(
        value(after, "falcon_http_request_duration_seconds_count", {
          route,
          status: "200",
        }) > snapshotsBefore,
        "the snapshot raised the controller's histogram count",
      );
      assert.equal(
        samples(after, "falcon_http_request_duration_seconds_count").some((s) =>
          s.labels?.route?.includes(cam.id)
        ),
        false,
        "routes are patterns, not raw paths",
      );
      assert.equal(value(after, "falcon_cameras", { status: "online" }), 1);
      assert.equal(value(after, "falcon_cameras", { status: "error" }), 0);
      assert.equal(
        value(after, "falcon_stream_viewers", { camera: cam.id }),
        1,
      );
      assert.ok(
        value(after, "falcon_job_runs_total", {
          job: "nodes.liveness",
          result: "ok",
        }) >= 1,
        "the liveness job ran under the jobs runner",
      );
      const frames = await streaming;
      assert.equal(streamError, null);
      assert.equal(frames.length, 60);
      const bytes = await scrape(stack.url, METRICS_TOKEN);
      assert.ok(
        value(bytes, "falcon_http_response_bytes_total", {
          route: "/api/cameras/:id/stream",
        }) > 10_000,
        "stream bytes were counted",
      );
    } finally {
      configureLog({
        level: "error",
        json: false,
        sink: (l) => console.error(l),
      });
      await stack.close();
      await reading?.catch(() => {});
    }
  },
});

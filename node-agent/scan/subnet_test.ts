/**
 * The port probe against real loopback listeners (GStreamer RTSP server,
 * plain HTTP, MJPEG, a SOAP responder speaking ONVIF's device service), and
 * its bounds (range, time, concurrency, rate) through an injected connect.
 */
import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import { freePort } from "../../tests/support/ports.ts";
import { startRtspServer } from "../../tests/support/rtsp_server.ts";
import { type ConnectFn, tcpConnect } from "./identify.ts";
import { probeSubnet } from "./subnet.ts";

/** A connect that records every address:port it was asked for. */
function recording(inner: ConnectFn = tcpConnect) {
  const attempts: string[] = [];
  const connect: ConnectFn = (address, port, signal) => {
    attempts.push(`${address}:${port}`);
    return inner(address, port, signal);
  };
  return { attempts, connect };
}

/** A connect that never answers until aborted (a silent host). */
const silent: ConnectFn = (_a, _p, signal) =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(new Error("aborted"));
    signal.addEventListener("abort", () => reject(new Error("aborted")), {
      once: true,
    });
  });

/** An HTTP listener on 127.0.0.1 answering with `handler`. */
function serve(handler: (req: Request) => Response | Promise<Response>) {
  const ac = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  }, handler);
  return {
    port: server.addr.port,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

const SOAP_OK = `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">
<SOAP-ENV:Body><tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>
<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>
<tt:UTCDateTime><tt:Time><tt:Hour>10</tt:Hour><tt:Minute>0</tt:Minute><tt:Second>0</tt:Second></tt:Time>
<tt:Date><tt:Year>2026</tt:Year><tt:Month>11</tt:Month><tt:Day>24</tt:Day></tt:Date></tt:UTCDateTime>
</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>`;

Deno.test({
  name:
    "probeSubnet() finds RTSP, ONVIF and HTTP on loopback and touches nothing outside 127.0.0.0/30",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Mounted at "/" so the scanner's DESCRIBE of "/" meets the auth check.
    const rtsp = await startRtspServer({
      user: "admin",
      password: "s3cret",
      auth: "digest",
      path: "/",
    });
    const web = serve(() =>
      new Response("<html>router</html>", {
        headers: { "content-type": "text/html; charset=utf-8" },
      })
    );
    const mjpeg = serve(() =>
      new Response("--frame\r\n", {
        headers: {
          "content-type": "multipart/x-mixed-replace; boundary=frame",
        },
      })
    );
    const onvif = serve(async (req) => {
      const body = await req.text();
      if (
        req.method === "POST" &&
        new URL(req.url).pathname === "/onvif/device_service" &&
        body.includes("GetSystemDateAndTime")
      ) {
        return new Response(SOAP_OK, {
          headers: { "content-type": "application/soap+xml; charset=utf-8" },
        });
      }
      return new Response("not here", { status: 404 });
    });
    const closed = await freePort();
    try {
      const ports = [rtsp.port, web.port, mjpeg.port, onvif.port, closed];
      const rec = recording();
      const t0 = performance.now();
      const { results, report } = await probeSubnet("127.0.0.0/30", {
        ports,
        connect: rec.connect,
        timeLimitMs: 15_000,
      });
      const wallMs = performance.now() - t0;

      // Never outside the range: only .1 and .2 (not .0, not .3).
      const hosts = new Set(rec.attempts.map((a) => a.split(":")[0]));
      assert.deepEqual([...hosts].sort(), ["127.0.0.1", "127.0.0.2"]);
      for (const p of ports) {
        assert.ok(rec.attempts.includes(`127.0.0.1:${p}`), `tried .1:${p}`);
        assert.ok(rec.attempts.includes(`127.0.0.2:${p}`), `tried .2:${p}`);
      }
      assert.equal(report.planned, 10);
      assert.equal(report.attempted, 10);
      assert.equal(report.open, 4, JSON.stringify(report));
      assert.equal(report.truncated, false);
      assert.equal(report.subnet, "127.0.0.0/30");

      const by = new Map(results.map((r) => [r.port, r]));
      assert.equal(results.length, 4, JSON.stringify(results, null, 1));
      for (const r of results) assert.equal(r.address, "127.0.0.1");

      const r = by.get(rtsp.port)!;
      assert.equal(r.kind, "rtsp");
      assert.equal(r.confidence, "confirmed");
      assert.equal(r.needs_credentials, true);
      assert.equal(
        r.evidence,
        "RTSP/1.0 200 OK on OPTIONS, RTSP/1.0 401 Unauthorized on DESCRIBE / (needs credentials)",
      );
      assert.equal(r.suggested.protocol, "rtsp");
      assert.equal(r.suggested.source_url, `rtsp://127.0.0.1:${rtsp.port}/`);

      const o = by.get(onvif.port)!;
      assert.equal(o.kind, "onvif");
      assert.equal(o.confidence, "confirmed");
      assert.match(o.evidence, /GetSystemDateAndTimeResponse/);
      assert.equal(o.suggested.source_url, `onvif://127.0.0.1:${onvif.port}`);

      const m = by.get(mjpeg.port)!;
      assert.equal(m.kind, "http");
      assert.equal(m.confidence, "likely");
      assert.match(m.evidence, /MJPEG stream/);

      const w = by.get(web.port)!;
      assert.equal(w.kind, "http");
      assert.equal(w.confidence, "possible");
      assert.match(
        w.evidence,
        /^HTTP\/1\.1 200 OK on GET \/: a web page \(text\/html\)/,
      );

      assert.equal(by.has(closed), false);
      // No credentials anywhere in what a scan returns.
      assert.doesNotMatch(JSON.stringify(results), /s3cret|admin@/);
      console.log(
        `  probe of 127.0.0.0/30 × 5 ports: ${Math.round(wallMs)} ms`,
      );
    } finally {
      await Promise.all([
        rtsp.stop(),
        web.close(),
        mjpeg.close(),
        onvif.close(),
      ]);
    }
  },
});

Deno.test("probeSubnet() finds an RTSP server without auth as confirmed", {
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const rtsp = await startRtspServer();
  try {
    const { results } = await probeSubnet("127.0.0.1/32", {
      ports: [rtsp.port],
    });
    assert.equal(results.length, 1);
    assert.equal(results[0].kind, "rtsp");
    assert.equal(results[0].needs_credentials, false);
    // Its stream lives at /test: "/" is not found, and no credentials asked.
    assert.equal(
      results[0].evidence,
      "RTSP/1.0 200 OK on OPTIONS, RTSP/1.0 404 Not Found on DESCRIBE /",
    );
  } finally {
    await rtsp.stop();
  }
});

Deno.test("probeSubnet() honours its time limit on silent hosts", async () => {
  const rec = recording(silent);
  const t0 = performance.now();
  const { results, report } = await probeSubnet("10.9.8.0/24", {
    connect: rec.connect,
    timeLimitMs: 300,
    connectTimeoutMs: 5_000,
  });
  const ms = performance.now() - t0;
  assert.ok(ms < 1_000, `ended after ${ms} ms`);
  assert.deepEqual(results, []);
  assert.equal(report.truncated, true);
  assert.ok(report.attempted < report.planned);
  assert.match(report.error!, /time limit reached/);
  for (const a of rec.attempts) assert.match(a, /^10\.9\.8\.\d+:\d+$/);
});

Deno.test("probeSubnet() gives up on one connect after connectTimeoutMs", async () => {
  const t0 = performance.now();
  const { report } = await probeSubnet("10.9.8.4/31", {
    ports: [554],
    connect: silent,
    connectTimeoutMs: 100,
  });
  const ms = performance.now() - t0;
  assert.equal(report.attempted, 2);
  assert.equal(report.truncated, false);
  assert.ok(ms >= 90 && ms < 600, `took ${ms} ms`);
});

Deno.test("probeSubnet() keeps at most `concurrency` connects open", async () => {
  let open = 0;
  let most = 0;
  const connect: ConnectFn = (_a, _p, signal) =>
    new Promise((_, reject) => {
      open++;
      most = Math.max(most, open);
      const done = () => {
        open--;
        reject(new Error("refused"));
      };
      const t = setTimeout(done, 5);
      signal.addEventListener("abort", () => {
        clearTimeout(t);
        done();
      }, { once: true });
    });
  const { report } = await probeSubnet("10.1.0.0/24", {
    ports: [80, 554],
    connect,
    concurrency: 8,
    ratePerSec: 100_000,
  });
  assert.equal(report.attempted, 508);
  assert.equal(most, 8);
});

Deno.test("probeSubnet() starts at most ratePerSec connects per second", async () => {
  const starts: number[] = [];
  const connect: ConnectFn = () => {
    starts.push(performance.now());
    return Promise.reject(new Error("refused"));
  };
  await probeSubnet("10.1.0.0/29", {
    ports: [80, 554],
    connect,
    ratePerSec: 50,
  });
  assert.equal(starts.length, 12);
  const spanMs = starts.at(-1)! - starts[0];
  // 12 starts 20 ms apart: at least 11 × 20 ms (small timer slack allowed).
  assert.ok(spanMs >= 200, `12 connects within ${spanMs} ms`);
});

Deno.test("probeSubnet() stops when its signal aborts", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const t0 = performance.now();
  const { report } = await probeSubnet("10.1.0.0/24", {
    connect: silent,
    signal: ac.signal,
  });
  assert.ok(performance.now() - t0 < 800);
  assert.equal(report.truncated, true);
});

Deno.test("probeSubnet() refuses bad ranges and ports before any connect", async () => {
  const rec = recording(silent);
  for (
    const [cidr, ports, field] of [
      ["10.0.0.0/16", undefined, "subnet"],
      ["8.8.8.0/24", undefined, "subnet"],
      ["10.0.0.1/24", undefined, "subnet"],
      ["10.0.0.0/24", [0], "ports"],
      ["10.0.0.0/24", [65536], "ports"],
      ["10.0.0.0/24", [], "ports"],
      ["10.0.0.0/24", [80.5], "ports"],
    ] as const
  ) {
    await assert.rejects(
      probeSubnet(cidr, { ports, connect: rec.connect }),
      (e) => e instanceof AppError && e.field === field,
      `${cidr} ${ports}`,
    );
  }
  assert.deepEqual(rec.attempts, []);
});

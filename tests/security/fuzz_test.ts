/**
 * Malformed input (docs/design/security.md: "malformed input, oversized
 * bodies"): thousands of generated bodies against every JSON write endpoint.
 *
 * Phase 1 sends bodies that are invalid by construction (each carries at
 * least one defect the schema must reject), so every answer must be a 4xx in
 * the one error shape and the stored rows must be exactly as before. Phase 2
 * sends bodies that are valid but odd (control characters, lone surrogates,
 * prototype keys, deep nesting at the size limit); any may succeed, none may
 * answer 5xx, and the rows must change by exactly what the 2xx answers made.
 *
 * The generator is seeded: the seed is printed, and FUZZ_SEED=<n> repeats a
 * run. FUZZ_CASES=<n> changes the number of phase-1 cases.
 */
import assert from "node:assert/strict";
import {
  desiredFor,
  registerNode,
  type Stack,
  startStack,
} from "../support/stack.ts";
import {
  generatedPassword,
  passwordForms,
  rng,
  typedUrls,
} from "../../lib/credential_fuzz.ts";
import {
  assertErrorShape,
  createCamera,
  createUser,
  unknownId,
} from "./helpers.ts";

const SEED = Number(
  Deno.env.get("FUZZ_SEED") ?? crypto.getRandomValues(new Uint32Array(1))[0],
);
const CASES = Number(Deno.env.get("FUZZ_CASES") ?? 3000);
const CONCURRENCY = 6;
const MiB = 1024 * 1024;

// --- seeded randomness (mulberry32) ---

class Rng {
  #a: number;
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  next(): number {
    let t = (this.#a = (this.#a + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  string(max = 20): string {
    const alphabet = "abcXYZ019 _-./:@%\\\"'<>{}[]\n\t\u00e9\u4e2d\ud83d\ude00";
    let s = "";
    const n = this.int(max + 1);
    for (let i = 0; i < n; i++) s += this.pick([...alphabet]);
    return s;
  }
}

// --- values ---

type JsonType = "string" | "number" | "boolean" | "null" | "array" | "object";
const JSON_TYPES: JsonType[] = [
  "string",
  "number",
  "boolean",
  "null",
  "array",
  "object",
];

const ODD_STRINGS = [
  "\u0000",
  "nul\u0000inside",
  "\ud800",
  "lone \udfff surrogate",
  "\u202eRTL override",
  "zero\u200bwidth",
  "e\u0301\u0301\u0301",
  "\ud83d\ude00\ud83d\ude00",
  "\ufeffbom",
  "\uffff\ufffe",
  "\u{10ffff}",
  "\r\n\r\n",
  "<script>alert(1)</script>",
  "'; drop table users; --",
  "%00%ff",
  "../../etc/passwd",
  "${jndi:ldap://x/a}",
  "\u001b[31mred",
];

/**
 * Odd strings that stay odd after trimming. Text fields are trimmed before
 * validation (a BOM or CR/LF around a name is not an error), so "\ufeffbom" is
 * the valid user name "bom" and must not be counted as an invalid body.
 */
const ODD_UNTRIMMED = ODD_STRINGS.filter((x) => x.trim() === x);

/** A JS object whose keys (even `__proto__`) are own, enumerable properties, as JSON.parse makes them. */
function obj(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    Object.defineProperty(o, k, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return o;
}

function deepArray(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

/** Raw JSON text of a value of the given type. */
function valueOfType(rng: Rng, type: JsonType): string {
  switch (type) {
    case "string":
      return JSON.stringify(
        rng.pick([
          "",
          "x",
          "0",
          "true",
          "null",
          rng.string(),
          rng.pick(ODD_STRINGS),
        ]),
      );
    case "number":
      return rng.pick([
        "0",
        "-1",
        "1.5",
        "1e308",
        "-1e-308",
        "9007199254740993",
        "42",
        "-0",
        "1E400",
      ]);
    case "boolean":
      return rng.pick(["true", "false"]);
    case "null":
      return "null";
    case "array":
      return rng.pick([
        "[]",
        "[1]",
        '["a"]',
        "[null]",
        '[{"a":1}]',
        deepArray(rng.pick([10, 1000, 50000])),
      ]);
    case "object":
      return rng.pick([
        "{}",
        '{"a":1}',
        '{"__proto__":{"polluted":true}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        '{"a":'.repeat(500) + "1" + "}".repeat(500),
      ]);
  }
}

// --- targets ---

interface Field {
  /** JSON types the schema accepts for this field. */
  types: JsonType[];
  required: boolean;
  /** Values of an accepted type that the endpoint must reject (JSON text). */
  invalid: (rng: Rng) => string[];
  /** May carry odd text and still be valid (phase 2). */
  freeText?: boolean;
}

interface Target {
  method: string;
  /** Public endpoints are called without credentials, as a stranger would. */
  public?: boolean;
  path: (f: Fixture) => string;
  /** A valid body (JSON text per field); never sent as is in phase 1. */
  base: (rng: Rng) => Record<string, string>;
  fields: Record<string, Field>;
  /** The table a 2xx answer adds a row to. */
  creates?: "cameras" | "users" | "api_tokens";
}

interface Fixture {
  stack: Stack;
  cameraId: string;
  viewerId: string;
}

const s = (v: unknown) => JSON.stringify(v);
const long = (ch: string, n: number) => s(ch.repeat(n));
const UUID_LIST = (n: number) =>
  s(Array.from({ length: n }, () => unknownId()));

const USERNAME_BAD = (rng: Rng) => [
  s("ab"),
  long("u", rng.range(65, 300)),
  s("-lead"),
  s("has space"),
  s("\u00fcser"),
  s(".dot"),
  s(rng.pick(ODD_UNTRIMMED)),
];
const PASSWORD_BAD = (
  rng: Rng,
) => [long("p", rng.range(257, 5000)), s("short"), s("123")];

const CAMERA_FIELDS: Record<string, Field> = {
  name: {
    types: ["string"],
    required: true,
    freeText: true,
    invalid: (
      rng,
    ) => [s(""), s("   "), long("n", rng.range(101, 4000)), s("\t\n")],
  },
  protocol: {
    types: ["string"],
    required: true,
    invalid: (
      rng,
    ) => [
      s("onvif"),
      s("RTSP"),
      s("ftp"),
      s("demo "),
      s(""),
      s(rng.pick(ODD_STRINGS)),
    ],
  },
  location: {
    types: ["string", "null"],
    required: false,
    freeText: true,
    invalid: (rng) => [long("l", rng.range(201, 4000))],
  },
  source_url: {
    types: ["string", "null"],
    required: false,
    // Every camera here is a demo camera: only demo://… is valid.
    invalid: (rng) => [
      s("x"),
      s("rtsp://a/b"),
      s("http://user:pw@h/"),
      s("javascript:alert(1)"),
      s("demo:/x"),
      long("s", rng.range(2049, 9000)),
      s(rng.pick(ODD_UNTRIMMED)),
    ],
  },
  device_path: {
    types: ["string", "null"],
    required: false,
    invalid: () => [
      s("/dev/video"),
      s("/dev/sda"),
      s("../../etc/passwd"),
      s("/dev/video1234"),
      s("/dev/video0;id"),
    ],
  },
  node_name: {
    types: ["string", "null"],
    required: false,
    invalid: (
      rng,
    ) => [
      s("-x"),
      s("a b"),
      long("x", rng.range(254, 1000)),
      s("\u00fc"),
      s(".x"),
      s("x-"),
    ],
  },
  resolution: {
    types: ["string"],
    required: false,
    invalid: () => [
      s("640x481"),
      s("15x16"),
      s("7682x4320"),
      s("640X480"),
      s("abc"),
      s("0x0"),
      s("99999x99999"),
    ],
  },
  framerate: {
    types: ["number"],
    required: false,
    invalid: () => ["0", "61", "2.5", "-1", "1e21", "1e308"],
  },
  metadata: {
    types: ["object"],
    required: false,
    invalid: (rng) => [s({ k: "m".repeat(rng.range(8200, 20000)) })],
  },
};

const TARGETS: Target[] = [
  {
    method: "POST",
    path: () => "/api/cameras",
    creates: "cameras",
    base: (rng) => ({
      name: s(`Fuzz ${rng.int(1e6)}`),
      protocol: s("demo"),
      ...(rng.chance(0.5) ? { location: s("Hall") } : {}),
      ...(rng.chance(0.3) ? { resolution: s("320x240"), framerate: "10" } : {}),
      ...(rng.chance(0.3) ? { metadata: s({ a: 1, b: [true] }) } : {}),
    }),
    fields: CAMERA_FIELDS,
  },
  {
    method: "PATCH",
    path: (f) => `/api/cameras/${f.cameraId}`,
    base: (rng) => ({ name: s(`Renamed ${rng.int(1e6)}`) }),
    fields: Object.fromEntries(
      Object.entries(CAMERA_FIELDS).filter(([k]) => k !== "protocol").map((
        [k, v],
      ) => [k, { ...v, required: false }]),
    ),
  },
  {
    method: "POST",
    path: () => "/api/users",
    creates: "users",
    base: (rng) => ({
      username: s(`fuzzer${rng.int(1e6)}`),
      password: s("Valid-Passphrase-77"),
      role: s(rng.pick(["viewer", "admin"])),
      ...(rng.chance(0.5) ? { camera_ids: "[]" } : {}),
    }),
    fields: {
      username: { types: ["string"], required: true, invalid: USERNAME_BAD },
      password: {
        types: ["string"],
        required: true,
        freeText: true,
        invalid: PASSWORD_BAD,
      },
      role: {
        types: ["string"],
        required: true,
        invalid: () => [s("root"), s("Admin"), s(""), s("viewer ")],
      },
      camera_ids: {
        types: ["array"],
        required: false,
        invalid: () => [
          s(["not-a-uuid"]),
          s([unknownId(), "x"]),
          "[123]",
          UUID_LIST(1001),
        ],
      },
    },
  },
  {
    method: "PATCH",
    path: (f) => `/api/users/${f.viewerId}`,
    base: () => ({ role: s("viewer"), camera_ids: "[]" }),
    fields: {
      role: {
        types: ["string"],
        required: false,
        invalid: () => [s("root"), s("ADMIN"), s("")],
      },
      camera_ids: {
        types: ["array"],
        required: false,
        invalid: () => [s(["nope"]), "[null]", UUID_LIST(1001)],
      },
    },
  },
  {
    method: "POST",
    path: (f) => `/api/users/${f.viewerId}/reset-password`,
    base: () => ({ new_password: s("Another-Passphrase-88") }),
    fields: {
      new_password: {
        types: ["string"],
        required: true,
        freeText: true,
        invalid: PASSWORD_BAD,
      },
    },
  },
  {
    method: "POST",
    path: () => "/api/tokens",
    creates: "api_tokens",
    base: (rng) => ({
      name: s(`fuzz ${rng.int(1e6)}`),
      scope: s(rng.pick(["read", "full"])),
    }),
    fields: {
      name: {
        types: ["string"],
        required: true,
        freeText: true,
        invalid: (rng) => [s(""), s("   "), long("t", rng.range(101, 3000))],
      },
      scope: {
        types: ["string"],
        required: true,
        invalid: () => [s("admin"), s("write"), s("READ"), s("")],
      },
    },
  },
  {
    method: "PATCH",
    path: () => "/api/auth/credentials",
    // Never the admin's password, so even a well-formed body cannot change it.
    base: () => ({
      current_password: s("not-the-admin-password"),
      new_password: s("Brand-New-Passphrase-1"),
    }),
    fields: {
      // Only defects zod catches, so no case pays for a password hash.
      current_password: {
        types: ["string"],
        required: true,
        invalid: (rng) => [long("c", rng.range(1025, 4000))],
      },
      new_password: {
        types: ["string"],
        required: true,
        invalid: (rng) => [long("p", rng.range(257, 4000))],
      },
    },
  },
  {
    method: "POST",
    public: true,
    path: () => "/api/auth/login",
    base: () => ({ username: s("admin"), password: s("wrong-password") }),
    fields: {
      username: {
        types: ["string"],
        required: true,
        freeText: true,
        invalid: (rng) => [long("u", rng.range(257, 4000))],
      },
      password: {
        types: ["string"],
        required: true,
        freeText: true,
        invalid: (rng) => [long("p", rng.range(1025, 4000))],
      },
    },
  },
  {
    method: "POST",
    public: true,
    path: () => "/api/auth/setup",
    base: () => ({
      token: s("not-the-token"),
      username: s("second-admin"),
      password: s("Valid-Passphrase-99"),
    }),
    fields: {
      token: {
        types: ["string"],
        required: true,
        invalid: (rng) => [long("t", rng.range(201, 3000))],
      },
      username: { types: ["string"], required: true, invalid: USERNAME_BAD },
      password: {
        types: ["string"],
        required: true,
        invalid: (rng) => [long("p", rng.range(257, 3000))],
      },
    },
  },
];

const EXTRA_KEYS = [
  "extra",
  "__proto__",
  "constructor",
  "prototype",
  "id",
  "user_id",
  "is_admin",
  "password_hash",
  "created_at",
  "",
  "NAME",
  "role",
  "scope",
  "protocol",
  "token",
  "toString",
  "name ",
];

// --- cases ---

interface Case {
  index: number;
  target: Target;
  what: string;
  contentType: string | null;
  body: string | Uint8Array;
  /** Sent as a stream (chunked, no Content-Length). */
  chunked?: boolean;
}

function fieldsText(fields: [string, string][]): string {
  return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;
}

/** A body with at least one defect the endpoint must reject. */
function invalidCase(rng: Rng, index: number): Case {
  const target = rng.pick(TARGETS);
  const base = target.base(rng);
  const names = Object.keys(target.fields);
  const c = (
    what: string,
    body: Case["body"],
    contentType: string | null = "application/json",
  ): Case => ({
    index,
    target,
    what,
    body,
    contentType,
  });
  const roll = rng.next();

  // Whole-body defects.
  if (roll < 0.06) {
    const top = rng.pick([
      "null",
      "0",
      "-1",
      "3.14",
      '"text"',
      "true",
      "false",
      "[]",
      `[${fieldsText(Object.entries(base))}]`,
      deepArray(rng.pick([100, 10000, 200000])),
    ]);
    return c(`top-level ${top.slice(0, 30)}`, top);
  }
  if (roll < 0.12) {
    const good = fieldsText(Object.entries(base));
    const bad = rng.pick([
      "",
      "{",
      "}",
      '{"a":}',
      "{'a':1}",
      "{a:1}",
      "[1,]",
      good.slice(0, -1) + ",}",
      "NaN",
      "undefined",
      good + "garbage",
      '"unterminated',
      good.slice(0, rng.range(1, good.length - 1)),
      "/*c*/" + good,
      good + good,
      "\u0000" + good,
    ]);
    return c(`invalid JSON ${JSON.stringify(bad.slice(0, 40))}`, bad);
  }
  if (roll < 0.14) {
    // Invalid UTF-8 before the object: still not JSON once decoded.
    const bytes = new Uint8Array([
      0xff,
      0xfe,
      0xc3,
      0x28,
      ...new TextEncoder().encode(fieldsText(Object.entries(base))),
    ]);
    return c("invalid UTF-8 prefix", bytes);
  }
  if (roll < 0.20) {
    const type = rng.pick([
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "text/json",
      "application/xml",
      "application/jsonx",
      "application/javascript",
      "",
      null,
    ]);
    const good = fieldsText(Object.entries(base));
    return c(
      `content type ${JSON.stringify(type)}`,
      type === null ? new TextEncoder().encode(good) : good,
      type,
    );
  }
  if (roll < 0.215) {
    const size = rng.range(MiB + 1, Math.floor(1.5 * MiB));
    const field = rng.pick(names);
    const text = fieldsText([...Object.entries(base), [
      field,
      long("h", size),
    ]]);
    if (rng.chance(0.5)) {
      return {
        ...c(`huge ${field} (${size} B, chunked)`, text),
        chunked: true,
      };
    }
    return c(`huge ${field} (${size} B)`, text);
  }
  if (roll < 0.22) {
    const n = rng.range(2000, 20000);
    const extra: [string, string][] = Array.from(
      { length: n },
      (_, i) => [`k${i}`, "1"],
    );
    return c(
      `${n} extra keys`,
      fieldsText([...Object.entries(base), ...extra]),
    );
  }

  // Field defects: 1-3 of them, after optional odd text that may itself be valid.
  const body = new Map(Object.entries(base));
  const notes: string[] = [];
  for (const name of names) {
    if (target.fields[name].freeText && body.has(name) && rng.chance(0.2)) {
      body.set(name, s(rng.pick(ODD_STRINGS)));
      notes.push(`odd ${name}`);
    }
  }
  const defects = rng.range(1, 3);
  for (let i = 0; i < defects; i++) {
    const kind = rng.next();
    const name = rng.pick(names);
    const field = target.fields[name];
    const required = names.filter((n) => target.fields[n].required);
    if (kind < 0.35) {
      const type = rng.pick(JSON_TYPES.filter((t) => !field.types.includes(t)));
      body.set(name, valueOfType(rng, type));
      notes.push(`${name}: ${type}`);
    } else if (kind < 0.65) {
      const v = rng.pick(field.invalid(rng));
      body.set(name, v);
      notes.push(`${name}=${v.slice(0, 30)}`);
    } else if (kind < 0.8 && required.length) {
      const gone = rng.pick(required);
      body.delete(gone);
      notes.push(`no ${gone}`);
    } else {
      const k = rng.pick(
        EXTRA_KEYS.filter((k) => !Object.hasOwn(target.fields, k)),
      );
      body.set(k, valueOfType(rng, rng.pick(JSON_TYPES)));
      notes.push(`extra ${JSON.stringify(k)}`);
    }
  }
  const entries = [...body.entries()];
  if (rng.chance(0.2)) entries.reverse();
  return c(notes.join(", "), fieldsText(entries));
}

// --- running ---

interface Outcome {
  c: Case;
  status: number;
  text: string;
  res: Response;
}

async function send(f: Fixture, c: Case): Promise<Outcome> {
  const headers = new Headers(f.stack.auth);
  if (c.contentType !== null) headers.set("content-type", c.contentType);
  let body: BodyInit;
  if (c.chunked) {
    const bytes = new TextEncoder().encode(c.body as string);
    body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        for (let o = 0; o < bytes.length; o += 64 * 1024) {
          ctrl.enqueue(bytes.slice(o, o + 64 * 1024));
        }
        ctrl.close();
      },
    });
  } else {
    body = c.body as BodyInit;
  }
  if (c.target.public) headers.delete("authorization");
  const res = await fetch(`${f.stack.url}${c.target.path(f)}`, {
    method: c.target.method,
    headers,
    body,
  });
  return { c, status: res.status, text: await res.text(), res };
}

async function pool<T, R>(
  items: T[],
  n: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/** The rows a rejected request must not touch (volatile columns left out). */
async function rows(stack: Stack) {
  const sql = stack.controller.db.sql;
  return {
    cameras: await sql`select * from cameras order by id`,
    users: await sql`select * from users order by id`,
    camera_grants:
      await sql`select * from camera_grants order by user_id, camera_id`,
    api_tokens:
      await sql`select id, user_id, name, scope, prefix, token_hash, created_at, revoked_at from api_tokens order by id`,
    sessions:
      await sql`select id_hash, user_id, csrf_token, expires_at from sessions order by id_hash`,
  };
}

async function counts(stack: Stack) {
  const r = await rows(stack);
  return Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, v.length]),
  ) as Record<keyof typeof r, number>;
}

async function healthy(stack: Stack, what: string) {
  const res = await fetch(`${stack.url}/healthz`);
  assert.equal(res.status, 200, `/healthz after ${what}`);
  assert.equal((await res.json()).status, "ok");
}

const label = (t: Target) =>
  `${t.method} ${t.path({ cameraId: ":id", viewerId: ":id" } as Fixture)}`;

function describe(o: Outcome): string {
  const body = typeof o.c.body === "string" ? o.c.body : "(bytes)";
  return `#${o.c.index} ${label(o.c.target)} [${o.c.what}] → ${o.status} ${
    o.text.slice(0, 120)
  }${
    o.c.what.startsWith("valid odd")
      ? ""
      : ` | body ${JSON.stringify(body.slice(0, 120))}`
  }`;
}

Deno.test({
  name: `security: fuzzed request bodies (seed ${SEED})`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    console.log(`fuzz seed ${SEED}: repeat with FUZZ_SEED=${SEED}`);
    const stack = await startStack({});
    try {
      const cameraId = await createCamera(stack, {
        name: "Fuzz target",
        protocol: "demo",
      });
      const other = await createCamera(stack, {
        name: "Granted",
        protocol: "demo",
      });
      const viewerId = await createUser(
        stack,
        "fuzz-viewer",
        "Viewer-Passphrase-1",
        "viewer",
        [other],
      );
      const f: Fixture = { stack, cameraId, viewerId };
      const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();

      await t.step(
        `${CASES} invalid bodies: 4xx in the error shape, nothing written`,
        async () => {
          const before = await rows(stack);
          const rng = new Rng(SEED);
          const cases = Array.from(
            { length: CASES },
            (_, i) => invalidCase(rng, i),
          );
          // Partial-write probes: valid up to a check inside the write's transaction.
          const probes: Case[] = [
            {
              index: -1,
              target: TARGETS[2],
              what:
                "user with an unknown camera (fails inside the transaction)",
              contentType: "application/json",
              body: s({
                username: "probe-user",
                password: "Probe-Passphrase-1",
                role: "viewer",
                camera_ids: [unknownId()],
              }),
            },
            {
              index: -2,
              target: TARGETS[3],
              what:
                "role change with an unknown camera (fails inside the transaction)",
              contentType: "application/json",
              body: s({ role: "admin", camera_ids: [other, unknownId()] }),
            },
          ];
          const outcomes: Outcome[] = [];
          for (let i = 0; i < cases.length; i += 500) {
            outcomes.push(
              ...await pool(
                cases.slice(i, i + 500),
                CONCURRENCY,
                (c) => send(f, c),
              ),
            );
            await healthy(stack, `cases up to #${i + 500}`);
          }
          for (const p of probes) outcomes.push(await send(f, p));

          const failures: string[] = [];
          const statuses = new Map<number, number>();
          for (const o of outcomes) {
            statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
            if (
              o.status < 400 || o.status >= 500 ||
              [401, 403, 404].includes(o.status)
            ) {
              failures.push(describe(o));
              continue;
            }
            try {
              assertErrorShape(o.text, o.res, `#${o.c.index}`);
            } catch (e) {
              failures.push(
                `${describe(o)}: ${(e as Error).message.split("\n")[0]}`,
              );
            }
          }
          console.log(
            `fuzz phase 1 statuses: ${
              JSON.stringify(Object.fromEntries([...statuses].sort()))
            }`,
          );
          assert.deepEqual(
            failures.slice(0, 15),
            [],
            `seed ${SEED}: ${failures.length} of ${outcomes.length} answers were not a 4xx error (first 15 shown)`,
          );
          // The generator reaches every kind of rejection (so this step can fail).
          for (const status of [400, 413, 415]) {
            assert.ok(
              (statuses.get(status) ?? 0) > 0,
              `no case answered ${status}: ${JSON.stringify([...statuses])}`,
            );
          }
          const after = await rows(stack);
          for (const table of Object.keys(before) as (keyof typeof before)[]) {
            assert.deepEqual(
              after[table],
              before[table],
              `seed ${SEED}: rejected requests changed ${table}`,
            );
          }
          await healthy(stack, "phase 1");
        },
      );

      await t.step(
        "valid but odd bodies: no 5xx, and rows change by exactly what succeeded",
        async () => {
          const before = await counts(stack);
          const made: Record<string, number> = {
            cameras: 0,
            users: 0,
            api_tokens: 0,
          };
          const created: string[] = [];
          const deep = (depth: number) =>
            JSON.parse('{"a":'.repeat(depth) + "1" + "}".repeat(depth));
          const bodies: [Target, unknown][] = [];
          // One odd string in one field at a time, so a failure names the field.
          for (const odd of ODD_STRINGS) {
            bodies.push(
              [TARGETS[0], { name: `cam ${odd}`, protocol: "demo" }],
              [TARGETS[0], {
                name: "odd location",
                protocol: "demo",
                location: odd,
              }],
              [TARGETS[0], {
                name: "odd metadata key",
                protocol: "demo",
                metadata: { [odd]: 1 },
              }],
              [TARGETS[0], {
                name: "odd metadata value",
                protocol: "demo",
                metadata: { k: odd },
              }],
              [TARGETS[1], { name: `renamed ${odd}` }],
              [TARGETS[1], { location: odd }],
              [TARGETS[5], { name: `token ${odd}`, scope: "read" }],
              [TARGETS[7], { username: odd, password: "some-password" }],
              [TARGETS[7], { username: "nobody-here", password: odd }],
            );
          }
          bodies.push(
            [TARGETS[0], {
              name: "proto",
              protocol: "demo",
              metadata: obj([["__proto__", { polluted: true }], [
                "constructor",
                { prototype: { polluted: true } },
              ]]),
            }],
            [TARGETS[1], { metadata: obj([["__proto__", { isAdmin: true }]]) }],
            [TARGETS[0], {
              name: "deep",
              protocol: "demo",
              metadata: { d: deep(1300) },
            }],
            [TARGETS[0], {
              name: "n".repeat(100),
              protocol: "demo",
              location: "l".repeat(200),
              metadata: { k: "m".repeat(8000) },
            }],
            [TARGETS[0], {
              name: "demo src",
              protocol: "demo",
              source_url: `demo://${"z".repeat(2000)}`,
            }],
            [TARGETS[2], {
              username: "odd-user-1",
              password: "nul\u0000in-the-password",
              role: "viewer",
            }],
            [TARGETS[2], {
              username: "odd-user-2",
              password: "\ud83d\ude00\ud83d\ude00-emoji-pass",
              role: "viewer",
            }],
            [TARGETS[2], {
              username: "odd-user-3",
              password: "lone\ud800surrogate-pass",
              role: "viewer",
            }],
            [TARGETS[3], { camera_ids: [other, other, other] }],
          );
          const failures: string[] = [];
          for (const [i, [target, value]] of bodies.entries()) {
            const c: Case = {
              index: i,
              target,
              what: `valid odd ${JSON.stringify(value).slice(0, 80)}`,
              contentType: "application/json",
              body: JSON.stringify(value),
            };
            const o = await send(f, c);
            if (o.status >= 500) failures.push(describe(o));
            else if (o.status >= 400) {
              try {
                assertErrorShape(o.text, o.res, `odd #${i}`);
              } catch (e) {
                failures.push(
                  `${describe(o)}: ${(e as Error).message.split("\n")[0]}`,
                );
              }
            } else if (target.creates && o.status === 201) {
              made[target.creates]++;
              if (target.creates === "cameras") {
                created.push(JSON.parse(o.text).id);
              }
            }
          }
          const after = await counts(stack);
          assert.equal(after.cameras, before.cameras + made.cameras);
          assert.equal(after.users, before.users + made.users);
          assert.equal(after.api_tokens, before.api_tokens + made.api_tokens);
          assert.ok(
            made.cameras > 0 && made.api_tokens > 0,
            `some odd bodies were accepted: ${JSON.stringify(made)}`,
          );
          // What was stored can be read back and listed.
          const list = await stack.api("/api/cameras");
          assert.equal(list.status, 200, await list.clone().text());
          assert.equal((await list.json()).total, after.cameras);
          for (const id of [...created, cameraId]) {
            const res = await stack.api(`/api/cameras/${id}`);
            assert.equal(res.status, 200, await res.text());
          }
          const users = await stack.api("/api/users");
          assert.equal(users.status, 200, await users.text());
          const viewer = await (await stack.api(`/api/users/${viewerId}`))
            .json();
          assert.equal(viewer.role, "viewer", "the viewer is still a viewer");
          // Nothing polluted this process's prototypes (the controller runs in it).
          assert.deepEqual(
            Object.getOwnPropertyNames(Object.prototype).sort(),
            protoKeys,
          );
          assert.equal(({} as Record<string, unknown>).polluted, undefined);
          assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
          await healthy(stack, "phase 2");
          assert.deepEqual(
            failures,
            [],
            `seed ${SEED}: valid odd bodies answered 5xx or a bad error`,
          );
        },
      );
    } finally {
      await stack.close();
    }
  },
});

// --- issue 11 #1: generated camera passwords never come back ---

Deno.test({
  name: `security: generated camera passwords never come back (seed ${SEED})`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack({});
    try {
      await registerNode(stack, "fuzz-node");
      const next = rng(SEED);
      const created: { id: string; pw: string; typed: string }[] = [];
      const leaks: string[] = [];
      const check = (where: string, text: string, pw: string) => {
        const hit = passwordForms(pw).find((f) => text.includes(f));
        if (hit) leaks.push(`${JSON.stringify(pw)} as ${hit} in ${where}`);
      };
      for (let i = 0; i < 40; i++) {
        const pw = generatedPassword(next);
        for (const typed of typedUrls(pw, next)) {
          const protocol = typed.startsWith("rtsp") ? "rtsp" : "http";
          const res = await stack.api("/api/cameras", {
            method: "POST",
            json: {
              name: `fz ${created.length} ${i}`,
              protocol,
              source_url: typed,
            },
          });
          const text = await res.text();
          check(`POST answer ${res.status}`, text, pw);
          assert.ok(res.status === 201 || res.status === 400, text);
          if (res.status === 201) {
            created.push({ id: JSON.parse(text).id, pw, typed });
          } else {
            assert.equal(JSON.parse(text).error.field, "source_url", text);
          }
        }
      }
      assert.ok(created.length >= 150, `${created.length} cameras created`);
      const list = await (await stack.api("/api/cameras")).text();
      const audit = await (await stack.api("/api/audit?limit=500")).text();
      const desired = await desiredFor(stack, "fuzz-node");
      const byId = new Map(desired.cameras.map((c) => [c.id, c.source_url]));
      for (const [n, c] of created.entries()) {
        const one = await (await stack.api(`/api/cameras/${c.id}`)).json();
        check(`GET /api/cameras/${c.id}`, JSON.stringify(one), c.pw);
        check("GET /api/cameras", list, c.pw);
        check("GET /api/audit", audit, c.pw);
        // The node gets the very password typed (percent-encoded forms decode to it).
        const sent = byId.get(c.id)!;
        if (c.typed.includes(`:${encodeURIComponent(c.pw)}@`)) {
          assert.equal(decodeURIComponent(new URL(sent).password), c.pw);
        }
        if (n % 4 === 0) {
          // The edit form sends the redacted URL back: the secret stays.
          const res = await stack.api(`/api/cameras/${c.id}`, {
            method: "PATCH",
            json: { name: `fz ${n} renamed`, source_url: one.source_url },
          });
          const text = await res.text();
          assert.equal(res.status, 200, `${one.source_url}: ${text}`);
          check("PATCH answer", text, c.pw);
        }
      }
      const after = await desiredFor(stack, "fuzz-node");
      for (const cam of after.cameras) {
        assert.equal(cam.source_url, byId.get(cam.id), "secrets kept on PATCH");
      }
      assert.deepEqual(leaks.slice(0, 10), [], `${leaks.length} leaks`);
    } finally {
      await stack.close();
    }
  },
});

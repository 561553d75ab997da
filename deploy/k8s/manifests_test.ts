/**
 * Tests of deploy/: every YAML file under deploy/k8s parses and validates
 * against the Kubernetes schemas (kubernetes-models, unknown fields included);
 * every kustomization renders (deploy/k8s/render.ts) and keeps the rules in
 * deploy/k8s/invariants.ts; the rules themselves catch broken manifests; the
 * Dockerfile keeps its contract.
 *
 *   deno test -A deploy/
 */
import assert from "node:assert/strict";
import { migrateSettings } from "../../cli/commands/migrate.ts";
import { controllerSettings } from "../../controller/config.ts";
import type { SettingsSpec } from "../../lib/config.ts";
import { VERSION } from "../../lib/version.ts";
import { nodeAgentSettings } from "../../node-agent/config.ts";
import * as rules from "./invariants.ts";
import {
  asObject,
  type Json,
  type K8sObject,
  KUSTOMIZATION_FILE,
  readKustomization,
  readYaml,
  render,
  resolvePath,
  strategicMerge,
} from "./render.ts";
import { schemaProblems } from "./schema.ts";

const K8S = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const DEPLOY = resolvePath(K8S, "..");
const REPO = resolvePath(K8S, "../..");
const rel = (p: string) => p.slice(REPO.length + 1);

/** YAML files that are neither kustomizations nor used by one, on purpose. */
const STANDALONE = new Set([`${K8S}/base/secret.template.yaml`]);
const SECRET_TEMPLATE = `${K8S}/base/secret.template.yaml`;

async function walk(dir: string, out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) await walk(path, out);
    else if (/\.ya?ml$/.test(e.name)) out.push(path);
  }
  return out.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

const yamlFiles = await walk(K8S);
const kustomizationDirs = yamlFiles
  .filter((f) => f.endsWith(`/${KUSTOMIZATION_FILE}`))
  .map((f) => f.slice(0, -KUSTOMIZATION_FILE.length - 1));

/** What `kubectl apply -k` can be pointed at: each Kustomization, and base with each Component. */
async function renderRoots(): Promise<
  { name: string; dir: string; components: string[] }[]
> {
  const roots = [];
  for (const dir of kustomizationDirs) {
    const k = await readKustomization(dir);
    if (k.kind === "Kustomization") {
      roots.push({ name: rel(dir), dir, components: [] });
    } else {
      roots.push({
        name: `${rel(`${K8S}/base`)} + ${rel(dir)}`,
        dir: `${K8S}/base`,
        components: [dir],
      });
    }
  }
  return roots;
}

function envParsers(spec: SettingsSpec): rules.EnvParsers {
  const out: rules.EnvParsers = {};
  for (const s of Object.values(spec)) {
    for (const name of [s.env, ...(s.envAliases ?? [])]) {
      if (name) out[name] = s.parse;
    }
  }
  return out;
}

const ENV_OF_COMMAND: Record<string, rules.EnvParsers> = {
  controller: envParsers(controllerSettings),
  migrate: envParsers(migrateSettings),
  // POD_IP: read by node-agent/mod.ts to build the advertised address
  "node-agent": { ...envParsers(nodeAgentSettings), POD_IP: (raw) => raw },
};

const SECRET_ENV = new Set(
  [controllerSettings, nodeAgentSettings, migrateSettings]
    .flatMap((spec) => Object.values(spec as SettingsSpec))
    .filter((s) => s.secret && s.env)
    .map((s) => s.env as string)
    .concat("POSTGRES_PASSWORD"),
);

async function secretTemplateKeys(): Promise<Set<string>> {
  const [doc] = await readYaml(SECRET_TEMPLATE);
  const o = asObject(doc) as K8sObject & { stringData?: Json };
  return new Set(Object.keys(o.stringData ?? {}));
}

/** Every rule over one rendered kustomization, by name. */
function allRules(
  objects: K8sObject[],
  secretKeys: Set<string>,
): Record<string, string[]> {
  return {
    schema: objects.flatMap((o) =>
      schemaProblems(o).map((p) => `${o.kind}/${o.metadata.name}: ${p}`)
    ),
    exposure: rules.exposureProblems(objects),
    privileges: rules.privilegeProblems(objects),
    secrets: rules.secretProblems(objects, SECRET_ENV, secretKeys),
    settings: rules.settingsProblems(objects, ENV_OF_COMMAND),
    nodeAgent: rules.nodeAgentProblems(objects),
    controller: rules.controllerProblems(objects),
    resources: rules.resourceProblems(objects),
    images: rules.imageProblems(objects, VERSION),
    namespaces: rules.namespaceProblems(objects),
    selectors: rules.selectorProblems(objects),
    rbac: rules.rbacProblems(objects),
    networkPolicies: rules.networkPolicyProblems(objects),
  };
}

// --- files -------------------------------------------------------------------

Deno.test("deploy/k8s: every YAML file parses", async () => {
  assert.ok(yamlFiles.length > 0, "no YAML under deploy/k8s");
  const failures: string[] = [];
  for (const f of yamlFiles) {
    try {
      const docs = await readYaml(f);
      if (!docs.length) failures.push(`${rel(f)}: empty`);
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  assert.deepEqual(failures, []);
});

Deno.test("deploy/k8s: every kustomization entry exists, every YAML file is used", async () => {
  const missing: string[] = [];
  const used = new Set<string>();
  const resourceFiles = new Set<string>();
  for (const dir of kustomizationDirs) {
    const k = await readKustomization(dir);
    used.add(`${dir}/${KUSTOMIZATION_FILE}`);
    for (const r of k.resources) {
      const p = resolvePath(dir, r);
      if (await exists(`${p}/${KUSTOMIZATION_FILE}`)) continue;
      if (await exists(p)) {
        used.add(p);
        resourceFiles.add(p);
      } else {
        missing.push(`${rel(dir)}: resources entry ${r} does not exist`);
      }
    }
    for (const c of k.components) {
      const p = resolvePath(dir, c);
      if (!await exists(`${p}/${KUSTOMIZATION_FILE}`)) {
        missing.push(
          `${rel(dir)}: component ${c} has no ${KUSTOMIZATION_FILE}`,
        );
      }
    }
    for (const patch of k.patches) {
      const p = resolvePath(dir, patch);
      if (await exists(p)) used.add(p);
      else missing.push(`${rel(dir)}: patch ${patch} does not exist`);
    }
  }
  assert.deepEqual(missing, []);
  const unused = yamlFiles.filter((f) => !used.has(f) && !STANDALONE.has(f));
  assert.deepEqual(
    unused.map(rel),
    [],
    "YAML files no kustomization uses (list a file meant to stand alone in STANDALONE)",
  );
  assert.ok(
    !used.has(SECRET_TEMPLATE),
    "the secret template must not be part of a kustomization: `kubectl apply -k` " +
      "would overwrite the operator's real secret with placeholders",
  );
});

Deno.test("deploy/k8s: every resource file validates against the Kubernetes schemas", async () => {
  const problems: string[] = [];
  const patchFiles = new Set<string>();
  for (const dir of kustomizationDirs) {
    const k = await readKustomization(dir);
    for (const p of k.patches) patchFiles.add(resolvePath(dir, p));
  }
  let checked = 0;
  for (const f of yamlFiles) {
    // kustomizations are checked by readKustomization; patches are partial
    // objects, validated as part of every rendered kustomization below
    if (f.endsWith(`/${KUSTOMIZATION_FILE}`) || patchFiles.has(f)) continue;
    for (const doc of await readYaml(f)) {
      checked++;
      let o: K8sObject;
      try {
        o = asObject(doc);
      } catch (e) {
        problems.push(String(e));
        continue;
      }
      for (const p of schemaProblems(o)) {
        problems.push(`${rel(f)} ${o.kind}/${o.metadata.name}: ${p}`);
      }
    }
  }
  assert.ok(checked >= 10, `only ${checked} objects found`);
  assert.deepEqual(problems, []);
});

Deno.test("deploy/k8s: the secret template holds placeholders and every key the manifests read", async () => {
  const [doc] = await readYaml(SECRET_TEMPLATE);
  const o = asObject(doc) as K8sObject & {
    stringData?: Record<string, string>;
  };
  assert.equal(o.kind, "Secret");
  assert.equal(o.metadata.name, rules.SECRET_NAME);
  assert.equal(o.metadata.namespace, rules.NAMESPACE);
  assert.equal(
    (o as Json).data,
    undefined,
    "use stringData with readable placeholders",
  );
  const data = o.stringData ?? {};
  for (
    const key of [
      "FALCON_SECRET_KEY",
      "FALCON_NODE_TOKEN",
      "DATABASE_URL",
      "POSTGRES_PASSWORD",
    ]
  ) {
    assert.ok(key in data, `secret template lacks ${key}`);
  }
  for (const [k, v] of Object.entries(data)) {
    assert.match(v, /CHANGE ME/, `${k} must be a clearly marked placeholder`);
  }
  const text = await Deno.readTextFile(SECRET_TEMPLATE);
  assert.match(
    text,
    /kubectl -n falcon-eye create secret generic falcon-secrets/,
  );
});

// --- rendered kustomizations ----------------------------------------------------

for (const root of await renderRoots()) {
  Deno.test(`deploy/k8s: ${root.name} renders, validates and keeps the rules`, async (t) => {
    const objects = await render(root.dir, root.components);
    assert.ok(objects.length > 0);
    const secretKeys = await secretTemplateKeys();
    for (
      const [rule, problems] of Object.entries(allRules(objects, secretKeys))
    ) {
      await t.step(rule, () => assert.deepEqual(problems, []));
    }
  });
}

Deno.test("deploy/k8s: base holds what the design asks for", async () => {
  const objects = await render(`${K8S}/base`);
  const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
  for (
    const want of [
      "Namespace/falcon-eye",
      "ServiceAccount/falcon-controller",
      "ClusterRole/falcon-eye-node-reader",
      "Role/falcon-controller",
      "StatefulSet/falcon-postgres",
      "Service/falcon-postgres",
      "Deployment/falcon-controller",
      "Service/falcon-controller",
      "DaemonSet/falcon-node-agent",
    ]
  ) {
    assert.ok(names.includes(want), `base lacks ${want}`);
  }
  const pg = objects.find((o) =>
    o.metadata.name === "falcon-postgres" && o.kind === "Service"
  ) as
    & K8sObject
    & { spec: { clusterIP?: string } };
  assert.equal(pg.spec.clusterIP, "None", "PostgreSQL's Service is headless");
  const sts = objects.find((o) => o.kind === "StatefulSet") as
    & K8sObject
    & { spec: { volumeClaimTemplates?: unknown[] } };
  assert.equal(
    sts.spec.volumeClaimTemplates?.length,
    1,
    "PostgreSQL keeps its data on a PVC",
  );
});

// --- the rules catch what they are meant to catch -------------------------------------

type Mutation = (objects: K8sObject[]) => void;

function obj(objects: K8sObject[], kind: string, name: string): Json {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o;
}

// deno-lint-ignore no-explicit-any
type Any = any;
const pod = (o: Json): Any => (o.spec as Any).template.spec;
const container = (o: Json, name: string): Any =>
  [...(pod(o).initContainers ?? []), ...pod(o).containers].find((c: Any) =>
    c.name === name
  );
const controllerDeployment = (os: K8sObject[]) =>
  obj(os, "Deployment", rules.CONTROLLER);
const nodeAgentDs = (os: K8sObject[]) => obj(os, "DaemonSet", rules.NODE_AGENT);

const BROKEN: [string, string, RegExp, Mutation][] = [
  [
    "controller Service becomes a LoadBalancer",
    "exposure",
    /Service\/falcon-controller: must be type NodePort/,
    (os) => {
      (obj(os, "Service", rules.CONTROLLER).spec as Any).type = "LoadBalancer";
    },
  ],
  [
    "PostgreSQL's Service becomes a NodePort",
    "exposure",
    /Service\/falcon-postgres: type NodePort/,
    (os) => {
      const s = obj(os, "Service", "falcon-postgres").spec as Any;
      s.type = "NodePort";
      delete s.clusterIP;
    },
  ],
  [
    "a LoadBalancer Service for node agents is added",
    "exposure",
    /Service\/agents: type LoadBalancer/,
    (os) => {
      os.push({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "agents", namespace: "falcon-eye" },
        spec: {
          type: "LoadBalancer",
          selector: (nodeAgentDs(os).spec as Any).selector.matchLabels,
          ports: [{ port: 30901 }],
        },
      });
    },
  ],
  ["an Ingress is added", "exposure", /Ingress\/web: exposes/, (os) => {
    os.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web" },
    });
  }],
  ["the node agent gets a hostPort", "exposure", /hostPort 30901/, (os) => {
    container(nodeAgentDs(os), "node-agent").ports[0].hostPort = 30901;
  }],
  [
    "the controller runs as root",
    "privileges",
    /controller: must run as non-root/,
    (os) => {
      container(controllerDeployment(os), "controller").securityContext
        .runAsUser = 0;
    },
  ],
  [
    "PostgreSQL loses runAsNonRoot",
    "privileges",
    /postgres: must run as non-root/,
    (os) => {
      delete pod(obj(os, "StatefulSet", "falcon-postgres")).securityContext
        .runAsNonRoot;
    },
  ],
  [
    "the root init container adds SYS_ADMIN",
    "privileges",
    /data-dir-owner: may add capabilities/,
    (os) => {
      container(nodeAgentDs(os), "data-dir-owner").securityContext.capabilities
        .add.push("SYS_ADMIN");
    },
  ],
  [
    "the root init container runs a shell",
    "privileges",
    /data-dir-owner: root container must run/,
    (os) => {
      container(nodeAgentDs(os), "data-dir-owner").command = [
        "/bin/sh",
        "-c",
        "chown -R 10001 /",
      ];
    },
  ],
  [
    "the controller becomes privileged",
    "privileges",
    /controller: must not be privileged/,
    (os) => {
      container(controllerDeployment(os), "controller").securityContext
        .privileged = true;
    },
  ],
  [
    "the node agent mounts a service account token",
    "privileges",
    /automountServiceAccountToken/,
    (os) => {
      delete pod(nodeAgentDs(os)).automountServiceAccountToken;
    },
  ],
  [
    "the node agent no longer tolerates every taint",
    "nodeAgent",
    /must tolerate every taint/,
    (os) => {
      pod(nodeAgentDs(os)).tolerations = [{
        key: "node-role.kubernetes.io/control-plane",
        operator: "Exists",
      }];
    },
  ],
  [
    "FALCON_NODE_NAME becomes a literal",
    "nodeAgent",
    /FALCON_NODE_NAME must come from fieldRef spec.nodeName/,
    (os) => {
      const env = container(nodeAgentDs(os), "node-agent").env;
      const i = env.findIndex((e: Any) => e.name === "FALCON_NODE_NAME");
      env[i] = { name: "FALCON_NODE_NAME", value: "node-1" };
    },
  ],
  [
    "the controller URL points elsewhere",
    "nodeAgent",
    /FALCON_CONTROLLER_URL must be/,
    (os) => {
      const env = container(nodeAgentDs(os), "node-agent").env;
      env.find((e: Any) => e.name === "FALCON_CONTROLLER_URL").value =
        "http://controller:30900";
    },
  ],
  [
    "the node agent's data dir becomes an emptyDir (its credential lost at every restart)",
    "nodeAgent",
    /keeps the node's credential/,
    (os) => {
      const pod = (nodeAgentDs(os).spec as Any).template.spec;
      const v = pod.volumes.find((v: Any) => v.name === "data");
      delete v.hostPath;
      v.emptyDir = {};
    },
  ],
  [
    "the node agent reads another join token than the controller",
    "nodeAgent",
    /FALCON_NODE_TOKEN \(the join token\) must come from the same secret key/,
    (os) => {
      const env = container(nodeAgentDs(os), "node-agent").env;
      env.find((e: Any) => e.name === "FALCON_NODE_TOKEN").valueFrom
        .secretKeyRef.key = "FALCON_SECRET_KEY";
    },
  ],
  [
    "the node token becomes a literal",
    "secrets",
    /env FALCON_NODE_TOKEN is a secret/,
    (os) => {
      const env = container(nodeAgentDs(os), "node-agent").env;
      const i = env.findIndex((e: Any) => e.name === "FALCON_NODE_TOKEN");
      env[i] = { name: "FALCON_NODE_TOKEN", value: "0123456789abcdef0123" };
    },
  ],
  [
    "a password travels in a literal URL",
    "secrets",
    /holds a URL with a password/,
    (os) => {
      container(controllerDeployment(os), "controller").env.push({
        name: "FALCON_RELAY_URL",
        value: "rtsp://admin:hunter2@cam/1",
      });
    },
  ],
  [
    "a Secret is added to the kustomization",
    "secrets",
    /Secret\/falcon-secrets: secrets are created with kubectl/,
    (os) => {
      os.push({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "falcon-secrets", namespace: "falcon-eye" },
      });
    },
  ],
  [
    "a secretKeyRef reads a key the template lacks",
    "secrets",
    /reads key NOPE/,
    (os) => {
      const env = container(controllerDeployment(os), "controller").env;
      env.find((e: Any) => e.name === "DATABASE_URL").valueFrom.secretKeyRef
        .key = "NOPE";
    },
  ],
  [
    "an env name has a typo",
    "settings",
    /env FALCON_PROT is not a setting of "falcon controller"/,
    (os) => {
      container(controllerDeployment(os), "controller").env.push({
        name: "FALCON_PROT",
        value: "30900",
      });
    },
  ],
  [
    "an env value is refused by its setting",
    "settings",
    /FALCON_LOG_LEVEL=loud is refused/,
    (os) => {
      const env = container(controllerDeployment(os), "controller").env;
      env.find((e: Any) => e.name === "FALCON_LOG_LEVEL").value = "loud";
    },
  ],
  ["two controllers", "controller", /replicas must be 1/, (os) => {
    (controllerDeployment(os).spec as Any).replicas = 2;
  }],
  [
    "no migrate init container",
    "controller",
    /init container with args \["migrate"\]/,
    (os) => {
      delete pod(controllerDeployment(os)).initContainers;
    },
  ],
  [
    "a container without a memory limit",
    "resources",
    /postgres: needs requests.cpu/,
    (os) => {
      delete container(obj(os, "StatefulSet", "falcon-postgres"), "postgres")
        .resources.limits;
    },
  ],
  ["a ClusterRole reads secrets", "rbac", /must not reach Secrets/, (os) => {
    (obj(os, "ClusterRole", "falcon-eye-node-reader").rules as Any).push({
      apiGroups: [""],
      resources: ["secrets"],
      verbs: ["get"],
    });
  }],
  ["a Role gets a wildcard", "rbac", /wildcard in a rule/, (os) => {
    (obj(os, "Role", rules.CONTROLLER).rules as Any)[0].verbs = ["*"];
  }],
  [
    "node agents accept every pod",
    "networkPolicies",
    /must come from the controller's pods only/,
    (os) => {
      (obj(os, "NetworkPolicy", "falcon-node-agent-ingress").spec as Any)
        .ingress[0].from = [{ podSelector: {} }];
    },
  ],
  [
    "PostgreSQL loses its NetworkPolicy",
    "networkPolicies",
    /falcon-postgres: no NetworkPolicy/,
    (os) => {
      os.splice(
        os.findIndex((o) => o.metadata.name === "falcon-postgres-ingress"),
        1,
      );
    },
  ],
  [
    "an unknown field",
    "schema",
    /unknown field spec.template.spec.containers.0.securityContex$/,
    (os) => {
      container(controllerDeployment(os), "controller").securityContex = {};
    },
  ],
  ["a schema error", "schema", /containerPort must be integer/, (os) => {
    container(controllerDeployment(os), "controller").ports[0].containerPort =
      "30900";
  }],
  [
    "the image drifts from lib/version.ts",
    "images",
    /is not falcon-eye:/,
    (os) => {
      container(controllerDeployment(os), "controller").image =
        "falcon-eye:latest";
    },
  ],
];

Deno.test("deploy/k8s: the rules catch broken manifests", async (t) => {
  const secretKeys = await secretTemplateKeys();
  const base = await render(`${K8S}/base`);
  for (const [what, rule, expect, mutate] of BROKEN) {
    await t.step(what, () => {
      const objects = structuredClone(base);
      mutate(objects);
      const problems = allRules(objects, secretKeys)[rule];
      assert.ok(problems, `no rule ${rule}`);
      assert.ok(
        problems.some((p) => expect.test(p)),
        `rule "${rule}" did not report ${expect}; it said: ${
          JSON.stringify(problems)
        }`,
      );
    });
  }
});

// --- the renderer ---------------------------------------------------------------------

Deno.test("deploy/k8s: the renderer merges like kustomize and refuses what it cannot do", async () => {
  const merged = strategicMerge(
    {
      containers: [
        { name: "a", image: "x", env: [{ name: "A", value: "1" }] },
        { name: "b" },
      ],
    },
    {
      containers: [{ name: "a", env: [{ name: "B", value: "2" }] }],
      tolerations: [],
    },
  );
  assert.deepEqual(merged, {
    containers: [
      {
        name: "a",
        image: "x",
        env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
      },
      { name: "b" },
    ],
    tolerations: [],
  });

  const dir = await Deno.makeTempDir({ prefix: "falcon-kustomize-" });
  try {
    const write = (name: string, text: string) =>
      Deno.writeTextFile(`${dir}/${name}`, text);
    await write(
      KUSTOMIZATION_FILE,
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [missing.yaml]\n",
    );
    await assert.rejects(() => render(dir), Deno.errors.NotFound);
    await write(
      KUSTOMIZATION_FILE,
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nreplicas: []\n",
    );
    await assert.rejects(() => render(dir), /"replicas" is not understood/);
    await write("bad.yaml", "a: 1\na: 2\n");
    await assert.rejects(() => readYaml(`${dir}/bad.yaml`), /unique/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- Dockerfile -------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

async function dockerfile(): Promise<Instruction[]> {
  const text = await Deno.readTextFile(`${DEPLOY}/Dockerfile`);
  const out: Instruction[] = [];
  let stage = -1;
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (!pending && /^\s*(#|$)/.test(line)) continue;
    if (/^\s*#/.test(line)) continue; // comments inside continuations
    pending += (pending ? " " : "") + line.replace(/\\$/, "").trim();
    if (line.endsWith("\\")) continue;
    const m = /^(\w+)\s+(.*)$/.exec(pending);
    pending = "";
    if (!m) continue;
    const op = m[1].toUpperCase();
    if (op === "FROM") stage++;
    out.push({ op, args: m[2], stage });
  }
  return out;
}

Deno.test("deploy/Dockerfile: one image for every mode, built from npm and apt only", async () => {
  const ins = await dockerfile();
  const last = Math.max(...ins.map((i) => i.stage));
  const final = ins.filter((i) => i.stage === last);
  const runs = ins.filter((i) => i.op === "RUN").map((i) => i.args).join("\n");

  assert.match(final[0].args, /^debian:bookworm-slim\b/, "runtime base");
  const denoArg = ins.find((i) =>
    i.op === "ARG" && i.args.startsWith("DENO_VERSION=")
  );
  const denoVersion = denoArg?.args.split("=")[1];
  const ci = await Deno.readTextFile(`${REPO}/.ci/run`).catch(() => "");
  const ciVersion = /^DENO_VERSION=(\S+)/m.exec(ci)?.[1];
  assert.equal(denoVersion, "2.9.6");
  if (ciVersion) assert.equal(denoVersion, ciVersion, "same Deno as .ci/run");
  assert.match(runs, /npm install --global [^\n]*"deno@\$\{DENO_VERSION\}"/);
  assert.doesNotMatch(
    ins.map((i) => i.args).join("\n"),
    /dl\.deno\.land|deno\.land\/install|curl |wget /,
    "no downloads outside npm and apt",
  );
  assert.match(
    runs,
    /apt-get install --yes --no-install-recommends [^\n]*\bffmpeg\b/,
  );
  assert.match(runs, /rm -rf \/var\/lib\/apt\/lists/);
  assert.match(
    runs,
    /deno install --frozen(\s|$)/,
    "dependencies from the committed deno.lock",
  );
  assert.match(
    runs,
    /deno install --frozen --entrypoint main\.ts/,
    "main.ts pre-cached",
  );

  const user = final.filter((i) => i.op === "USER").at(-1);
  assert.equal(user?.args.split(":")[0], String(rules.FALCON_UID));
  const lastRun = final.findLastIndex((i) => i.op === "RUN");
  assert.ok(final.indexOf(user!) > lastRun, "USER comes after the last RUN");
  const json = (op: string) =>
    JSON.parse(final.filter((i) => i.op === op).at(-1)?.args ?? "null");
  assert.deepEqual(json("ENTRYPOINT"), ["deno", "run", "-A", "main.ts"]);
  assert.deepEqual(json("CMD"), ["up"]);
  assert.match(final.find((i) => i.op === "EXPOSE")?.args ?? "", /\b30900\b/);
});

Deno.test("deploy/Dockerfile: the image holds everything main.ts loads", async () => {
  const ins = await dockerfile();
  const copied: string[] = [];
  for (const i of ins) {
    if (i.op !== "COPY" || i.args.startsWith("--from")) continue;
    const parts = i.args.split(/\s+/).filter((p) => !p.startsWith("--"));
    for (const src of parts.slice(0, -1)) {
      const path = src.replace(/\/$/, "");
      assert.ok(
        await exists(`${REPO}/${path}`),
        `COPY ${src}: not in the repository`,
      );
      copied.push(path);
    }
  }
  const ignore = (await Deno.readTextFile(`${DEPLOY}/Dockerfile.dockerignore`))
    .split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  for (const must of [".git", "node_modules"]) {
    assert.ok(
      ignore.includes(must),
      `Dockerfile.dockerignore must exclude ${must}`,
    );
  }
  const globRe = (p: string) =>
    new RegExp(
      "^" + p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\//g, "(.*/)?")
        .replace(/\*/g, "[^/]*") +
        "(/|$)",
    );
  for (const c of copied) {
    const hit = ignore.find((p) => globRe(p).test(c));
    assert.equal(
      hit,
      undefined,
      `COPY ${c} is excluded by Dockerfile.dockerignore (${hit})`,
    );
  }

  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const local = info.modules.map((m) => m.specifier)
    .filter((s) => s.startsWith(`file://${REPO}/`))
    .map((s) => decodeURIComponent(s.slice(`file://${REPO}/`.length)));
  assert.ok(local.includes("main.ts"));
  // read from disk at run time, outside the module graph
  const runtime = [
    "controller/db/migrations",
    "islands",
    "routes",
    "components",
  ];
  const uncovered = [...local, ...runtime].filter((p) =>
    !copied.some((c) => p === c || p.startsWith(`${c}/`))
  );
  assert.deepEqual(uncovered, [], "files main.ts needs that the image lacks");
  for (const i of ins.filter((x) => x.op === "COPY")) {
    assert.doesNotMatch(
      i.args,
      /(^|\s)\.(\s|$)/,
      "copy named paths, not the whole context",
    );
  }
});

/**
 * The rules Falcon-Eye's Kubernetes manifests keep, each a function from the
 * rendered objects to a list of problems (empty = the rule holds). Used by
 * manifests_test.ts on every rendered kustomization, and tested there against
 * deliberately broken copies so that a rule cannot silently stop checking.
 */
import type { apps, core, networking, rbac } from "./deps.ts";
import { CLUSTER_SCOPED, id, type K8sObject, podSpecOf } from "./render.ts";

type IContainer = core.IContainer;
type IEnvVar = core.IEnvVar;
type IPodSpec = core.IPodSpec;
type IProbe = core.IProbe;
type IService = core.IService;
type IDaemonSet = apps.IDaemonSet;
type IDeployment = apps.IDeployment;
type INetworkPolicy = networking.INetworkPolicy;
type IClusterRole = rbac.IClusterRole;
type IClusterRoleBinding = rbac.IClusterRoleBinding;
type IRole = rbac.IRole;
type IRoleBinding = rbac.IRoleBinding;

export const NAMESPACE = "falcon-eye";
export const SECRET_NAME = "falcon-secrets";
export const CONTROLLER = "falcon-controller";
export const NODE_AGENT = "falcon-node-agent";
export const CONTROLLER_NODE_PORT = 30900;
export const DATA_DIR = "/var/lib/falcon-eye";
export const FALCON_UID = 10001;

/**
 * Containers allowed to run as root, each with the reason. A root container
 * must drop every capability but the ones listed, must not escalate, and must
 * run exactly the command given.
 */
export const ROOT_CONTAINERS: Record<
  string,
  { capabilities: string[]; command: string[]; why: string }
> = {
  [`DaemonSet/${NODE_AGENT}/data-dir-owner`]: {
    capabilities: ["CHOWN"],
    command: ["/bin/chown", `${FALCON_UID}:${FALCON_UID}`, DATA_DIR],
    why: "the kubelet creates the hostPath data dir as root:root",
  },
};

/** Containers allowed to be privileged (only through an opt-in component). */
export const PRIVILEGED_CONTAINERS = new Set([
  `DaemonSet/${NODE_AGENT}/node-agent`,
]);

export interface Workload {
  object: K8sObject;
  pod: IPodSpec;
  labels: Record<string, string>;
}

export interface ContainerRef {
  workload: Workload;
  container: IContainer;
  init: boolean;
  /** "Kind/name/container" */
  ref: string;
}

export function workloads(objects: K8sObject[]): Workload[] {
  const out: Workload[] = [];
  for (const o of objects) {
    const pod = podSpecOf(o) as IPodSpec | undefined;
    if (!pod) continue;
    const spec = o.spec as {
      template?: { metadata?: { labels?: Record<string, string> } };
    };
    const labels = o.kind === "Pod"
      ? o.metadata.labels ?? {}
      : spec.template?.metadata?.labels ?? {};
    out.push({ object: o, pod, labels });
  }
  return out;
}

export function containers(objects: K8sObject[]): ContainerRef[] {
  return workloads(objects).flatMap((workload) =>
    [
      ...(workload.pod.initContainers ?? []).map((c) => [c, true] as const),
      ...workload.pod.containers.map((c) => [c, false] as const),
    ].map(([container, init]) => ({
      workload,
      container,
      init,
      ref: `${id(workload.object)}/${container.name}`,
    }))
  );
}

function find<T>(objects: K8sObject[], kind: string, name: string) {
  return objects.find((o) => o.kind === kind && o.metadata.name === name) as
    | (K8sObject & T)
    | undefined;
}

function envOf(c: IContainer, name: string): IEnvVar | undefined {
  return c.env?.find((e) => e.name === name);
}

function matches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  return !!selector && Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The port number a probe or Service names, resolved against a container. */
function portNumber(
  port: number | string | undefined,
  c: IContainer | undefined,
): number | undefined {
  if (typeof port === "number") return port;
  return c?.ports?.find((p) => p.name === port)?.containerPort;
}

function httpGet(
  p: IProbe | undefined,
): { path?: string; port?: number | string } {
  return p?.httpGet ?? {};
}

// --- exposure ---------------------------------------------------------------

/**
 * Only the controller's Service is reachable from outside the cluster, as
 * NodePort 30900; nothing else is a NodePort or LoadBalancer, has external
 * IPs, or uses the host's network or ports.
 */
export function exposureProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    if (["Ingress", "Gateway", "HTTPRoute", "Route"].includes(o.kind)) {
      problems.push(`${id(o)}: exposes Falcon-Eye outside the cluster`);
    }
    if (o.kind !== "Service") continue;
    const spec = (o as K8sObject & IService).spec ?? {};
    const type = spec.type ?? "ClusterIP";
    if (spec.externalIPs?.length) {
      problems.push(`${id(o)}: externalIPs expose it outside the cluster`);
    }
    if (o.metadata.name === CONTROLLER) {
      const ports = spec.ports ?? [];
      if (type !== "NodePort") {
        problems.push(
          `${id(o)}: must be type NodePort (is ${type}); a LoadBalancer or ` +
            `Ingress is the operator's choice, made outside deploy/`,
        );
      }
      if (ports.length !== 1 || ports[0].nodePort !== CONTROLLER_NODE_PORT) {
        problems.push(
          `${
            id(o)
          }: must expose exactly one port, nodePort ${CONTROLLER_NODE_PORT}`,
        );
      }
    } else if (type !== "ClusterIP") {
      problems.push(
        `${id(o)}: type ${type} exposes it outside the cluster; only ` +
          `Service/${CONTROLLER} may be reachable from outside`,
      );
    }
  }
  for (const { object, pod } of workloads(objects)) {
    if (pod.hostNetwork) {
      problems.push(`${id(object)}: hostNetwork exposes the pod's ports`);
    }
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      for (const p of c.ports ?? []) {
        if (p.hostPort !== undefined) {
          problems.push(
            `${
              id(object)
            }/${c.name}: hostPort ${p.hostPort} exposes it outside the cluster`,
          );
        }
      }
    }
  }
  return problems;
}

// --- identity and privileges --------------------------------------------------

/**
 * Every container runs as a non-root user, cannot escalate, drops all
 * capabilities, has a read-only root filesystem and the RuntimeDefault
 * seccomp profile; the exceptions are named in ROOT_CONTAINERS and
 * PRIVILEGED_CONTAINERS and held to their own rules.
 */
export function privilegeProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { workload, container: c, ref } of containers(objects)) {
    const psc = workload.pod.securityContext ?? {};
    const sc = c.securityContext ?? {};
    const user = sc.runAsUser ?? psc.runAsUser;
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    const caps = sc.capabilities ?? {};
    if (seccomp !== "RuntimeDefault") {
      problems.push(`${ref}: seccompProfile must be RuntimeDefault`);
    }
    if (sc.readOnlyRootFilesystem !== true) {
      problems.push(`${ref}: readOnlyRootFilesystem must be true`);
    }
    if (!caps.drop?.includes("ALL")) {
      problems.push(`${ref}: must drop ALL capabilities`);
    }
    const root = ROOT_CONTAINERS[ref];
    if (root) {
      if (user !== 0) {
        problems.push(`${ref}: listed as a root container but not root`);
      }
      const added = [...(caps.add ?? [])].sort();
      if (JSON.stringify(added) !== JSON.stringify(root.capabilities)) {
        problems.push(
          `${ref}: may add capabilities ${root.capabilities} only, adds ${added}`,
        );
      }
      if (JSON.stringify(c.command) !== JSON.stringify(root.command)) {
        problems.push(`${ref}: root container must run ${root.command}`);
      }
      if (sc.allowPrivilegeEscalation !== false || sc.privileged) {
        problems.push(`${ref}: root container must not escalate`);
      }
      continue;
    }
    if (nonRoot !== true || user === undefined || user === 0) {
      problems.push(
        `${ref}: must run as non-root (runAsNonRoot: true and a non-zero runAsUser)`,
      );
    }
    if (caps.add?.length) {
      problems.push(`${ref}: adds capabilities ${caps.add}`);
    }
    if (sc.privileged) {
      if (!PRIVILEGED_CONTAINERS.has(ref)) {
        problems.push(`${ref}: must not be privileged`);
      }
    } else if (sc.allowPrivilegeEscalation !== false) {
      problems.push(`${ref}: allowPrivilegeEscalation must be false`);
    }
    if (sc.allowPrivilegeEscalation === false && sc.privileged) {
      problems.push(
        `${ref}: privileged with allowPrivilegeEscalation: false is rejected by the API server`,
      );
    }
  }
  for (const { object, pod } of workloads(objects)) {
    if (pod.hostPID || pod.hostIPC) {
      problems.push(`${id(object)}: must not share the host's PID/IPC space`);
    }
    const needsApi = object.kind === "Deployment" &&
      object.metadata.name === CONTROLLER;
    if (!needsApi && pod.automountServiceAccountToken !== false) {
      problems.push(
        `${
          id(object)
        }: does not use the Kubernetes API; set automountServiceAccountToken: false`,
      );
    }
  }
  return problems;
}

// --- secrets -------------------------------------------------------------------

const SECRETISH =
  /SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|DATABASE_URL/;

/**
 * Secret settings reach containers through secretKeyRef into falcon-secrets,
 * never as literal values; no Secret object is part of what `apply -k`
 * applies (it would overwrite the operator's real one).
 */
export function secretProblems(
  objects: K8sObject[],
  secretEnv: Set<string>,
  secretKeys: Set<string>,
): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    if (o.kind === "Secret") {
      problems.push(
        `${id(o)}: secrets are created with kubectl, not applied from deploy/`,
      );
    }
  }
  for (const { container: c, ref } of containers(objects)) {
    for (const e of c.env ?? []) {
      const ref2 = e.valueFrom?.secretKeyRef;
      const secret = secretEnv.has(e.name) || SECRETISH.test(e.name);
      if (secret && (e.value !== undefined || !ref2)) {
        problems.push(
          `${ref}: env ${e.name} is a secret and must come from secretKeyRef`,
        );
      }
      if (e.value !== undefined && /:\/\/[^/@\s]*:[^/@\s]*@/.test(e.value)) {
        problems.push(`${ref}: env ${e.name} holds a URL with a password`);
      }
      if (ref2) {
        if (ref2.name !== SECRET_NAME) {
          problems.push(
            `${ref}: env ${e.name} reads secret ${ref2.name}, not ${SECRET_NAME}`,
          );
        }
        if (!secretKeys.has(ref2.key)) {
          problems.push(
            `${ref}: env ${e.name} reads key ${ref2.key}, which the secret template lacks`,
          );
        }
      }
    }
    for (const from of c.envFrom ?? []) {
      problems.push(
        `${ref}: envFrom ${
          from.secretRef ? "secretRef" : "configMapRef"
        } hides which settings a container gets; list env entries`,
      );
    }
  }
  return problems;
}

// --- settings --------------------------------------------------------------------

/** How `falcon <command>` reads one env variable: its setting's parser. */
export type EnvParsers = Record<string, (raw: string) => unknown>;

/**
 * Every env variable a Falcon-Eye container gets is a setting of the command
 * it runs (a typo would be silently ignored otherwise), and every literal
 * value is one that setting accepts.
 */
export function settingsProblems(
  objects: K8sObject[],
  envOfCommand: Record<string, EnvParsers>,
): string[] {
  const problems: string[] = [];
  for (const { container: c, ref } of containers(objects)) {
    if (!c.image?.startsWith("falcon-eye")) continue;
    if (c.command) continue; // not the falcon program (e.g. chown)
    const cmd = c.args?.[0] ?? "up";
    const known = envOfCommand[cmd];
    if (!known) {
      problems.push(`${ref}: runs unknown falcon command "${cmd}"`);
      continue;
    }
    for (const e of c.env ?? []) {
      const parse = known[e.name];
      if (!parse) {
        problems.push(
          `${ref}: env ${e.name} is not a setting of "falcon ${cmd}"`,
        );
      } else if (e.value !== undefined && parse(e.value) === undefined) {
        problems.push(
          `${ref}: env ${e.name}=${e.value} is refused by "falcon ${cmd}"`,
        );
      }
    }
  }
  return problems;
}

// --- node agent ------------------------------------------------------------------

/**
 * The node agent runs on every node, names itself after the Kubernetes node,
 * advertises its pod IP, reaches the controller through its Service, keeps
 * its data on the node, and has no Service of its own.
 */
export function nodeAgentProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const ds = find<IDaemonSet>(objects, "DaemonSet", NODE_AGENT);
  if (!ds) return [`DaemonSet/${NODE_AGENT} is missing`];
  const pod = ds.spec?.template.spec;
  const c = pod?.containers.find((x) => x.name === "node-agent");
  if (!pod || !c) return [`DaemonSet/${NODE_AGENT}: no node-agent container`];
  const where = `DaemonSet/${NODE_AGENT}`;

  if (
    !pod.tolerations?.some((t) =>
      t.operator === "Exists" && !t.key && !t.effect
    )
  ) {
    problems.push(
      `${where}: must tolerate every taint (a toleration with operator: Exists and no key or effect)`,
    );
  }
  if (pod.nodeSelector && Object.keys(pod.nodeSelector).length) {
    problems.push(`${where}: a nodeSelector keeps it off some nodes`);
  }
  if (pod.affinity?.nodeAffinity) {
    problems.push(`${where}: node affinity keeps it off some nodes`);
  }
  if (JSON.stringify(c.args) !== JSON.stringify(["node-agent"])) {
    problems.push(`${where}: args must be ["node-agent"]`);
  }
  const fieldRefs: Record<string, string> = {
    FALCON_NODE_NAME: "spec.nodeName",
    POD_IP: "status.podIP",
  };
  for (const [name, path] of Object.entries(fieldRefs)) {
    const e = envOf(c, name);
    if (e?.valueFrom?.fieldRef?.fieldPath !== path || e.value !== undefined) {
      problems.push(`${where}: env ${name} must come from fieldRef ${path}`);
    }
  }

  const svc = find<IService>(objects, "Service", CONTROLLER);
  const svcPort = svc?.spec?.ports?.[0]?.port;
  const ns = svc?.metadata.namespace ?? NAMESPACE;
  const wantUrl = `http://${CONTROLLER}.${ns}.svc:${svcPort}`;
  if (envOf(c, "FALCON_CONTROLLER_URL")?.value !== wantUrl) {
    problems.push(`${where}: FALCON_CONTROLLER_URL must be ${wantUrl}`);
  }
  const port = Number(envOf(c, "FALCON_NODE_PORT")?.value ?? 30901);
  const cp = c.ports?.find((p) => p.containerPort === port);
  if (!cp) {
    problems.push(`${where}: containerPort ${port} (FALCON_NODE_PORT) missing`);
  }
  const ready = httpGet(c.readinessProbe);
  if (ready.path !== "/healthz" || portNumber(ready.port, c) !== port) {
    problems.push(`${where}: readinessProbe must GET /healthz on ${port}`);
  }

  const dataDir = envOf(c, "FALCON_DATA_DIR")?.value;
  const mount = c.volumeMounts?.find((m) => m.mountPath === dataDir);
  const vol = pod.volumes?.find((v) => v.name === mount?.name);
  if (
    dataDir !== DATA_DIR || vol?.hostPath?.path !== DATA_DIR ||
    vol.hostPath.type !== "DirectoryOrCreate"
  ) {
    problems.push(
      `${where}: FALCON_DATA_DIR must be ${DATA_DIR}, a hostPath (DirectoryOrCreate) of the same path (it keeps the node's credential and recordings across pod restarts)`,
    );
  }
  // Enrolment (docs/design/security.md, issue 11 #6): node agents and the
  // controller read the same join token; each node then keeps its own secret.
  const join = envOf(c, "FALCON_NODE_TOKEN")?.valueFrom?.secretKeyRef;
  const ctl = find<IDeployment>(objects, "Deployment", CONTROLLER)?.spec
    ?.template.spec?.containers.find((x) => x.name === "controller");
  const ctlJoin = ctl && envOf(ctl, "FALCON_NODE_TOKEN")?.valueFrom
    ?.secretKeyRef;
  if (
    !join || !ctlJoin || join.name !== ctlJoin.name || join.key !== ctlJoin.key
  ) {
    problems.push(
      `${where}: FALCON_NODE_TOKEN (the join token) must come from the same secret key as the controller's`,
    );
  }
  const dev = c.volumeMounts?.find((m) => m.mountPath === "/dev");
  if (!dev?.readOnly) {
    problems.push(`${where}: /dev must be mounted read-only`);
  }
  for (const v of pod.volumes ?? []) {
    if (v.hostPath && ![DATA_DIR, "/dev"].includes(v.hostPath.path)) {
      problems.push(`${where}: unexpected hostPath ${v.hostPath.path}`);
    }
  }

  for (const o of objects) {
    const s = (o as K8sObject & IService).spec;
    if (
      o.kind === "Service" &&
      matches(s?.selector, ds.spec?.template.metadata?.labels ?? {})
    ) {
      problems.push(
        `${
          id(o)
        }: selects node agents; the controller reaches them at their pod IP only`,
      );
    }
  }
  return problems;
}

// --- controller ------------------------------------------------------------------

/**
 * One controller (Recreate, never two), migrations in an init container,
 * health probes, listening on the port its NodePort Service targets.
 */
export function controllerProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const d = objects.find((o) =>
    o.kind === "Deployment" && o.metadata.name === CONTROLLER
  ) as
    | (K8sObject & {
      spec: {
        replicas?: number;
        strategy?: { type?: string };
        template: {
          metadata?: { labels?: Record<string, string> };
          spec: IPodSpec;
        };
      };
    })
    | undefined;
  if (!d) return [`Deployment/${CONTROLLER} is missing`];
  const where = `Deployment/${CONTROLLER}`;
  if (d.spec.replicas !== 1) problems.push(`${where}: replicas must be 1`);
  if (d.spec.strategy?.type !== "Recreate") {
    problems.push(`${where}: strategy must be Recreate`);
  }
  const pod = d.spec.template.spec;
  const c = pod.containers.find((x) => x.name === "controller");
  if (!c) return [...problems, `${where}: no controller container`];
  if (JSON.stringify(c.args) !== JSON.stringify(["controller"])) {
    problems.push(`${where}: args must be ["controller"]`);
  }
  if (
    !pod.initContainers?.some((i) =>
      JSON.stringify(i.args) === JSON.stringify(["migrate"])
    )
  ) {
    problems.push(`${where}: needs an init container with args ["migrate"]`);
  }
  if (envOf(c, "FALCON_HOST")?.value !== "0.0.0.0") {
    problems.push(`${where}: FALCON_HOST must be 0.0.0.0`);
  }
  const port = Number(envOf(c, "FALCON_PORT")?.value);
  if (!c.ports?.some((p) => p.containerPort === port)) {
    problems.push(`${where}: containerPort must equal FALCON_PORT (${port})`);
  }
  const probes: [string, IProbe | undefined, string][] = [
    ["readinessProbe", c.readinessProbe, "/readyz"],
    ["livenessProbe", c.livenessProbe, "/healthz"],
  ];
  for (const [name, probe, path] of probes) {
    const g = httpGet(probe);
    if (g.path !== path || portNumber(g.port, c) !== port) {
      problems.push(`${where}: ${name} must GET ${path} on ${port}`);
    }
  }
  const svc = find<IService>(objects, "Service", CONTROLLER);
  const sp = svc?.spec?.ports?.[0];
  if (
    !svc || !matches(svc.spec?.selector, d.spec.template.metadata?.labels ?? {})
  ) {
    problems.push(`Service/${CONTROLLER}: must select the controller's pods`);
  } else if (portNumber(sp?.targetPort, c) !== port) {
    problems.push(`Service/${CONTROLLER}: targetPort must reach ${port}`);
  }
  return problems;
}

// --- resources, images, namespaces, selectors -------------------------------------------

export function resourceProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { container: c, ref } of containers(objects)) {
    const r = c.resources ?? {};
    if (!r.requests?.cpu || !r.requests?.memory || !r.limits?.memory) {
      problems.push(
        `${ref}: needs requests.cpu, requests.memory and limits.memory`,
      );
    }
  }
  return problems;
}

export function imageProblems(
  objects: K8sObject[],
  version: string,
): string[] {
  const problems: string[] = [];
  for (const { container: c, ref } of containers(objects)) {
    const image = c.image ?? "";
    if (image.startsWith("postgres")) {
      if (!/^postgres:15(\.|-|$)/.test(image)) {
        problems.push(`${ref}: PostgreSQL must be 15 (is ${image})`);
      }
    } else if (image !== `falcon-eye:${version}`) {
      problems.push(
        `${ref}: image ${image} is not falcon-eye:${version} (lib/version.ts); ` +
          `update "images" in deploy/k8s/base/kustomization.yaml`,
      );
    }
  }
  return problems;
}

export function namespaceProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  if (!find(objects, "Namespace", NAMESPACE)) {
    problems.push(`Namespace/${NAMESPACE} is missing`);
  }
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (CLUSTER_SCOPED.has(o.kind) ? ns : ns !== NAMESPACE) {
      problems.push(
        `${id(o)}: namespace ${ns ?? "(none)"}; expected ${
          CLUSTER_SCOPED.has(o.kind) ? "none" : NAMESPACE
        }`,
      );
    }
  }
  return problems;
}

/** Workload selectors match their own pod templates; Services select pods. */
export function selectorProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { object, labels } of workloads(objects)) {
    if (object.kind === "Pod") continue;
    const sel = (object.spec as { selector?: { matchLabels?: never } })
      .selector?.matchLabels;
    if (!matches(sel, labels)) {
      problems.push(`${id(object)}: selector does not match its pod template`);
    }
  }
  const all = workloads(objects);
  for (const o of objects) {
    if (o.kind !== "Service") continue;
    const sel = (o as K8sObject & IService).spec?.selector;
    if (!all.some((w) => matches(sel, w.labels))) {
      problems.push(`${id(o)}: selects no pods`);
    }
  }
  return problems;
}

// --- RBAC ----------------------------------------------------------------------------

const READ = new Set(["get", "list", "watch"]);

/**
 * Least privilege: no wildcards, no access to Secrets, cluster-wide rights
 * only to read nodes, bindings only to existing roles and service accounts.
 */
export function rbacProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    if (o.kind !== "Role" && o.kind !== "ClusterRole") continue;
    const role = o as K8sObject & (IRole | IClusterRole);
    if ((role as IClusterRole).aggregationRule) {
      problems.push(`${id(o)}: aggregationRule grants unknown rights`);
    }
    for (const r of role.rules ?? []) {
      const all = [
        ...(r.apiGroups ?? []),
        ...(r.resources ?? []),
        ...r.verbs,
      ];
      if (all.includes("*")) problems.push(`${id(o)}: wildcard in a rule`);
      if (r.resources?.includes("secrets")) {
        problems.push(`${id(o)}: must not reach Secrets`);
      }
      if (r.nonResourceURLs?.length) {
        problems.push(`${id(o)}: nonResourceURLs are not needed`);
      }
      if (o.kind === "ClusterRole") {
        const nodesOnly = JSON.stringify(r.apiGroups) === '[""]' &&
          JSON.stringify(r.resources) === '["nodes"]';
        if (!nodesOnly || !r.verbs.every((v) => READ.has(v))) {
          problems.push(
            `${
              id(o)
            }: cluster-wide rights are limited to get/list/watch on nodes`,
          );
        }
      }
    }
  }
  for (const o of objects) {
    if (o.kind !== "RoleBinding" && o.kind !== "ClusterRoleBinding") continue;
    const b = o as K8sObject & (IRoleBinding | IClusterRoleBinding);
    if (!find(objects, b.roleRef.kind, b.roleRef.name)) {
      problems.push(
        `${id(o)}: roleRef ${b.roleRef.kind}/${b.roleRef.name} missing`,
      );
    }
    if (o.kind === "RoleBinding" && b.roleRef.kind === "ClusterRole") {
      problems.push(`${id(o)}: binds a ClusterRole; use a Role`);
    }
    for (const s of b.subjects ?? []) {
      const sa = s.kind === "ServiceAccount"
        ? find(objects, "ServiceAccount", s.name)
        : undefined;
      if (!sa || s.namespace !== sa.metadata.namespace) {
        problems.push(
          `${
            id(o)
          }: subject ${s.kind}/${s.name} must be a ServiceAccount of this deployment in its namespace`,
        );
      }
    }
  }
  return problems;
}

// --- network policies ----------------------------------------------------------------

/**
 * Node agents and PostgreSQL accept connections from the controller's pods
 * only, on their own port.
 */
export function networkPolicyProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const all = workloads(objects);
  const policies = objects.filter((o) => o.kind === "NetworkPolicy") as (
    & K8sObject
    & INetworkPolicy
  )[];
  const controller = all.find((w) =>
    w.object.kind === "Deployment" && w.object.metadata.name === CONTROLLER
  );
  const guarded: [string, string][] = [
    ["DaemonSet", NODE_AGENT],
    ["StatefulSet", "falcon-postgres"],
  ];
  for (const [kind, name] of guarded) {
    const w = all.find((x) =>
      x.object.kind === kind && x.object.metadata.name === name
    );
    if (!w) {
      problems.push(`${kind}/${name} is missing`);
      continue;
    }
    const ports = w.pod.containers.flatMap((c) => c.ports ?? []);
    const isOwnPort = (x: number | string | undefined) =>
      ports.some((p) => p.containerPort === x || (!!p.name && p.name === x));
    const mine = policies.filter((p) =>
      matches(p.spec?.podSelector?.matchLabels, w.labels)
    );
    if (!mine.some((p) => p.spec?.policyTypes?.includes("Ingress"))) {
      problems.push(`${kind}/${name}: no NetworkPolicy restricts its ingress`);
    }
    for (const p of mine) {
      for (const rule of p.spec?.ingress ?? []) {
        const from = rule.from ?? [];
        const onlyController = from.length > 0 &&
          from.every((f) =>
            !f.ipBlock && !f.namespaceSelector && f.podSelector &&
            !f.podSelector.matchExpressions &&
            controller &&
            matches(f.podSelector.matchLabels, controller.labels) &&
            all.every((x) =>
              x === controller ||
              !matches(f.podSelector?.matchLabels, x.labels)
            )
          );
        if (!onlyController) {
          problems.push(
            `${
              id(p)
            }: ingress to ${kind}/${name} must come from the controller's pods only`,
          );
        }
        const rulePorts = (rule.ports ?? []).map((x) => x.port);
        if (!rulePorts.length || !rulePorts.every(isOwnPort)) {
          problems.push(
            `${id(p)}: ingress to ${kind}/${name} must name its own port (${
              ports.map((x) => x.containerPort)
            })`,
          );
        }
      }
    }
  }
  return problems;
}

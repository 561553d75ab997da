/**
 * A small, strict subset of `kustomize build` for the tests of deploy/k8s:
 * the fields this repository uses and nothing else. A kustomization that uses
 * anything more fails loudly here, so the tests never check something other
 * than what `kubectl apply -k` would apply.
 *
 * Supported: `resources` (files and directories), `components`, `namespace`,
 * `labels` (metadata only), `images`, and `patches` given by `path` holding one
 * strategic-merge patch each.
 */
import { parseAllDocuments } from "./deps.ts";

export type Json = Record<string, unknown>;

/** A Kubernetes object as parsed from YAML, before or after schema checks. */
export interface K8sObject extends Json {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
}

export interface YamlDoc {
  file: string;
  index: number;
  value: unknown;
}

export const KUSTOMIZATION_FILE = "kustomization.yaml";

const KUSTOMIZATION_FIELDS = new Set([
  "apiVersion",
  "kind",
  "namespace",
  "labels",
  "resources",
  "components",
  "patches",
  "images",
]);

/** Kinds that have no namespace. */
export const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "PersistentVolume",
  "StorageClass",
  "PriorityClass",
  "CustomResourceDefinition",
]);

/** Merge keys of the strategic-merge lists a patch may touch. */
const MERGE_KEYS: Record<string, string[]> = {
  containers: ["name"],
  initContainers: ["name"],
  env: ["name"],
  volumes: ["name"],
  volumeMounts: ["mountPath"],
  imagePullSecrets: ["name"],
  ports: ["containerPort", "port"],
};

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses every document of a YAML file; throws on any YAML error. */
export async function readYaml(file: string): Promise<YamlDoc[]> {
  const text = await Deno.readTextFile(file);
  const docs = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) {
    throw new Error(`${file}: not a YAML stream`);
  }
  const out: YamlDoc[] = [];
  docs.forEach((doc, index) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length) {
      throw new Error(
        `${file} (document ${index + 1}): ${
          problems.map((e) => e.message).join("; ")
        }`,
      );
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) {
      out.push({ file, index, value });
    }
  });
  return out;
}

/** Checks the shape every Kubernetes object needs before it can be indexed. */
export function asObject(doc: YamlDoc): K8sObject {
  const v = doc.value;
  const where = `${doc.file} (document ${doc.index + 1})`;
  if (!isObject(v)) throw new Error(`${where}: not a mapping`);
  if (typeof v.apiVersion !== "string" || typeof v.kind !== "string") {
    throw new Error(`${where}: apiVersion and kind are required`);
  }
  const md = v.metadata;
  if (!isObject(md) || typeof md.name !== "string" || !md.name) {
    throw new Error(`${where}: metadata.name is required`);
  }
  return v as K8sObject;
}

export function id(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

export interface Kustomization {
  dir: string;
  kind: "Kustomization" | "Component";
  namespace?: string;
  resources: string[];
  components: string[];
  patches: string[];
  images: { name: string; newName?: string; newTag?: string }[];
  labels: Record<string, string>;
}

function stringList(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw new Error(`${where}: expected a list of strings`);
  }
  return v as string[];
}

/** Reads and checks `dir/kustomization.yaml`. */
export async function readKustomization(dir: string): Promise<Kustomization> {
  const file = `${dir}/${KUSTOMIZATION_FILE}`;
  const docs = await readYaml(file);
  if (docs.length !== 1 || !isObject(docs[0].value)) {
    throw new Error(`${file}: expected exactly one mapping`);
  }
  const k = docs[0].value;
  for (const field of Object.keys(k)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) {
      throw new Error(
        `${file}: field "${field}" is not understood by deploy/k8s/render.ts; ` +
          `extend the renderer (and its tests) before using it`,
      );
    }
  }
  const kind = k.kind;
  const apiVersion = k.apiVersion;
  if (
    !(kind === "Kustomization" &&
      apiVersion === "kustomize.config.k8s.io/v1beta1") &&
    !(kind === "Component" &&
      apiVersion === "kustomize.config.k8s.io/v1alpha1")
  ) {
    throw new Error(
      `${file}: expected kind Kustomization (kustomize.config.k8s.io/v1beta1) ` +
        `or Component (kustomize.config.k8s.io/v1alpha1)`,
    );
  }
  const patches = (k.patches ?? []) as unknown[];
  if (!Array.isArray(patches)) throw new Error(`${file}: patches: a list`);
  const labels: Record<string, string> = {};
  for (const l of (k.labels ?? []) as unknown[]) {
    if (!isObject(l) || !isObject(l.pairs)) {
      throw new Error(`${file}: labels entries need "pairs"`);
    }
    for (const f of Object.keys(l)) {
      if (f !== "pairs" && !(f === "includeSelectors" && !l[f])) {
        throw new Error(
          `${file}: labels.${f} is not supported by the renderer`,
        );
      }
    }
    Object.assign(labels, l.pairs);
  }
  const images = ((k.images ?? []) as unknown[]).map((i) => {
    if (!isObject(i) || typeof i.name !== "string") {
      throw new Error(`${file}: images entries need "name"`);
    }
    return i as Kustomization["images"][number];
  });
  return {
    dir,
    kind,
    namespace: typeof k.namespace === "string" ? k.namespace : undefined,
    resources: stringList(k.resources, `${file}: resources`),
    components: stringList(k.components, `${file}: components`),
    patches: patches.map((p) => {
      if (!isObject(p) || typeof p.path !== "string") {
        throw new Error(`${file}: patches entries need "path"`);
      }
      const extra = Object.keys(p).filter((f) => f !== "path");
      if (extra.length) {
        throw new Error(
          `${file}: patches.${extra[0]} is not supported by the renderer`,
        );
      }
      return p.path;
    }),
    images,
    labels,
  };
}

export function resolvePath(dir: string, rel: string): string {
  return new URL(rel, `file://${dir.replace(/\/?$/, "/")}`).pathname.replace(
    /\/$/,
    "",
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** Strategic merge of `patch` into `base` for the lists in MERGE_KEYS. */
export function strategicMerge(
  base: unknown,
  patch: unknown,
  field = "",
): unknown {
  if (isObject(base) && isObject(patch)) {
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (k.startsWith("$")) {
        throw new Error(`patch directive ${k} is not supported`);
      }
      if (v === null) delete out[k];
      else out[k] = strategicMerge(base[k], v, k);
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && MERGE_KEYS[field]) {
    const key = MERGE_KEYS[field].find((k) =>
      [...base, ...patch].every((x) => isObject(x) && k in x)
    );
    if (key) {
      const out = base.map((x) => structuredClone(x));
      for (const p of patch as Json[]) {
        const i = out.findIndex((x) => (x as Json)[key] === p[key]);
        if (i >= 0) out[i] = strategicMerge(out[i], p, "");
        else out.push(structuredClone(p));
      }
      return out;
    }
  }
  return structuredClone(patch);
}

/** Pod specs inside workload objects, for image rewrites and checks. */
export function podSpecOf(o: K8sObject): Json | undefined {
  const spec = o.spec;
  if (!isObject(spec)) return undefined;
  if (o.kind === "Pod") return spec;
  if (o.kind === "CronJob") {
    const jt = spec.jobTemplate;
    const t = isObject(jt) && isObject(jt.spec) ? jt.spec.template : undefined;
    return isObject(t) && isObject(t.spec) ? t.spec : undefined;
  }
  const t = spec.template;
  return isObject(t) && isObject(t.spec) ? t.spec : undefined;
}

function applyImages(
  objects: K8sObject[],
  images: Kustomization["images"],
): void {
  for (const o of objects) {
    const pod = podSpecOf(o);
    if (!pod) continue;
    for (const list of [pod.initContainers, pod.containers]) {
      for (const c of (list ?? []) as Json[]) {
        const image = String(c.image ?? "");
        const name = image.replace(/@.*$/, "").replace(/:[^/:]*$/, "");
        const rule = images.find((i) => i.name === name);
        if (rule) {
          c.image = `${rule.newName ?? rule.name}${
            rule.newTag ? `:${rule.newTag}` : ""
          }`;
        }
      }
    }
  }
}

async function applyLayer(
  k: Kustomization,
  objects: K8sObject[],
): Promise<K8sObject[]> {
  let out = objects;
  for (const rel of k.patches) {
    const file = resolvePath(k.dir, rel);
    const docs = await readYaml(file);
    if (docs.length !== 1) {
      throw new Error(`${file}: a patch file holds exactly one document`);
    }
    const patch = asObject(docs[0]);
    const i = out.findIndex((o) =>
      o.kind === patch.kind && o.apiVersion === patch.apiVersion &&
      o.metadata.name === patch.metadata.name &&
      (!patch.metadata.namespace || !o.metadata.namespace ||
        patch.metadata.namespace === o.metadata.namespace)
    );
    if (i < 0) {
      throw new Error(`${file}: patch target ${id(patch)} not found`);
    }
    out = out.map((o, j) =>
      j === i ? strategicMerge(o, patch) as K8sObject : o
    );
  }
  applyImages(out, k.images);
  for (const o of out) {
    if (Object.keys(k.labels).length) {
      o.metadata.labels = { ...o.metadata.labels, ...k.labels };
    }
    if (k.namespace && !CLUSTER_SCOPED.has(o.kind)) {
      o.metadata.namespace = k.namespace;
    }
  }
  return out;
}

/**
 * Renders the kustomization in `dir` (plus `extraComponents`, directories of
 * Components, as if listed under its `components:`).
 */
export async function render(
  dir: string,
  extraComponents: string[] = [],
): Promise<K8sObject[]> {
  const k = await readKustomization(dir);
  let objects: K8sObject[] = [];
  for (const rel of k.resources) {
    const path = resolvePath(dir, rel);
    if (await isDirectory(path)) {
      objects.push(...await render(path));
    } else {
      objects.push(...(await readYaml(path)).map(asObject));
    }
  }
  const components = [
    ...k.components.map((c) => resolvePath(dir, c)),
    ...extraComponents,
  ];
  for (const cdir of components) {
    const c = await readKustomization(cdir);
    if (c.kind !== "Component") {
      throw new Error(`${cdir}: listed as a component but is ${c.kind}`);
    }
    for (const rel of c.resources) {
      objects.push(...(await readYaml(resolvePath(cdir, rel))).map(asObject));
    }
    objects = await applyLayer(c, objects);
  }
  objects = await applyLayer(k, objects);
  const seen = new Set<string>();
  for (const o of objects) {
    const key = `${o.apiVersion} ${id(o)} ${o.metadata.namespace ?? ""}`;
    if (seen.has(key)) throw new Error(`${dir}: ${key} defined twice`);
    seen.add(key);
  }
  return objects;
}

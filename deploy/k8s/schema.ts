/**
 * Validation of Kubernetes objects against the API's OpenAPI schemas, through
 * the models of `kubernetes-models`. Like `kubectl apply --validate=strict`,
 * an unknown field is an error too: the models' validators ignore unknown
 * fields, so each field is probed with a value no schema accepts, and a field
 * whose probe still validates is one the schema does not know.
 */
import { apps, batch, core, networking, policy, rbac } from "./deps.ts";
import { isObject, type Json, type K8sObject } from "./render.ts";

interface ModelClass {
  new (data: unknown): { validate(): void };
  apiVersion: string;
  kind: string;
}

const GROUPS: Record<string, Record<string, unknown>> = {
  v1: core,
  "apps/v1": apps,
  "batch/v1": batch,
  "networking.k8s.io/v1": networking,
  "policy/v1": policy,
  "rbac.authorization.k8s.io/v1": rbac,
};

export function modelOf(o: K8sObject): ModelClass | undefined {
  const m = GROUPS[o.apiVersion]?.[o.kind] as ModelClass | undefined;
  return typeof m === "function" && m.kind === o.kind &&
      m.apiVersion === o.apiVersion
    ? m
    : undefined;
}

/** Returns the validation error of `value` as a Model, or null when valid. */
function schemaError(Model: ModelClass, value: unknown): string | null {
  try {
    new Model(value).validate();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

type Path = (string | number)[];

function setAt(root: unknown, path: Path, value: unknown): void {
  let cur = root as Json;
  for (const p of path.slice(0, -1)) cur = cur[p as string] as Json;
  cur[path[path.length - 1] as string] = value;
}

function fieldPaths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(v)) v.forEach((x, i) => fieldPaths(x, [...at, i], out));
  else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      out.push([...at, k]);
      fieldPaths(x, [...at, k], out);
    }
  }
  return out;
}

/** No JSON schema type accepts a symbol. */
const PROBE = Symbol("unknown-field-probe");

/**
 * Problems of `o` against its Kubernetes schema: schema errors, unknown
 * fields, or a kind this checker has no schema for.
 */
export function schemaProblems(o: K8sObject): string[] {
  const Model = modelOf(o);
  if (!Model) {
    return [
      `no schema for ${o.apiVersion} ${o.kind} (add its group to deploy/k8s/schema.ts)`,
    ];
  }
  const err = schemaError(Model, structuredClone(o));
  if (err) return [err];
  const unknown: Path[] = [];
  for (const path of fieldPaths(o)) {
    if (unknown.some((u) => u.every((p, i) => path[i] === p))) continue;
    const probe = structuredClone(o) as unknown;
    setAt(probe, path, PROBE);
    if (schemaError(Model, probe) === null) {
      unknown.push(path);
    }
  }
  return unknown.map((p) => `unknown field ${p.join(".")}`);
}

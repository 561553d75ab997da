/**
 * The API page's body: every operation of the OpenAPI document
 * (lib/api/openapi.ts), grouped by resource, with its parameters, body and
 * answers as field tables. Server-rendered, no scripts: the document is the
 * source, so the page cannot say something the API does not do.
 */
import type {
  JsonSchema,
  OpenApiDocument,
  OpenApiOperation,
} from "../lib/api/openapi.ts";

/** One row of a field table: a dotted name, its type in words, whether it is required. */
export interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  description: string | null;
}

/** A JSON Schema in a few words: `integer 1–60`, `one of tcp, udp`, `string or null`. */
export function typeText(s: JsonSchema): string {
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) {
    const parts = ((s.anyOf ?? s.oneOf) as JsonSchema[]).map(typeText);
    return [...new Set(parts)].join(" or ");
  }
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(", ")}`;
  if ("const" in s) return JSON.stringify(s.const);
  const type = Array.isArray(s.type) ? s.type.join(" or ") : s.type;
  if (type === "array") {
    return `array of ${s.items ? typeText(s.items as JsonSchema) : "any"}`;
  }
  if (type === "string") {
    const bits = [
      s.format ? `${s.format}` : "",
      s.minLength !== undefined && s.maxLength !== undefined
        ? `${s.minLength}–${s.maxLength} chars`
        : s.maxLength !== undefined
        ? `≤ ${s.maxLength} chars`
        : "",
      s.pattern ? `pattern ${s.pattern}` : "",
    ].filter(Boolean);
    return ["string", ...bits].join(", ");
  }
  if (type === "integer" || type === "number") {
    const min = s.minimum ?? s.exclusiveMinimum;
    const max = s.maximum ?? s.exclusiveMaximum;
    return min !== undefined && max !== undefined
      ? `${type} ${min}–${max}`
      : min !== undefined
      ? `${type} ≥ ${min}`
      : max !== undefined
      ? `${type} ≤ ${max}`
      : String(type);
  }
  return type ? String(type) : "any";
}

/** The object an `anyOf` of object-or-null wraps, so its fields can be listed. */
function objectOf(s: JsonSchema): JsonSchema | null {
  if (s.type === "object" && s.properties) return s;
  const alts = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  const objs = alts?.filter((a) => a.type === "object" && a.properties) ?? [];
  if (objs.length === 1) return objs[0];
  if (s.type === "array" && s.items) return objectOf(s.items as JsonSchema);
  return null;
}

/** An object schema's fields, nested ones as `parent.child` (three levels at most). */
export function fieldRows(s: JsonSchema, prefix = "", depth = 0): FieldRow[] {
  const obj = objectOf(s);
  if (!obj) return [];
  const required = new Set((obj.required ?? []) as string[]);
  const rows: FieldRow[] = [];
  for (
    const [name, p] of Object.entries(
      obj.properties as Record<string, JsonSchema>,
    )
  ) {
    const full = prefix + name;
    rows.push({
      name: full,
      type: typeText(p),
      required: required.has(name),
      description: typeof p.description === "string" ? p.description : null,
    });
    if (depth < 2) {
      const suffix = p.type === "array" ? "[]." : ".";
      rows.push(...fieldRows(p, full + suffix, depth + 1));
    }
  }
  return rows;
}

function Fields({ schema }: { schema: JsonSchema }) {
  const rows = fieldRows(schema);
  if (rows.length === 0) return <p class="mut">{typeText(schema)}</p>;
  return (
    <div class="scroll">
      <table class="tbl">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Type</th>
            <th scope="col">Required</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <td class="mono">{r.name}</td>
              <td>
                {r.type}
                {r.description && <div class="mut">{r.description}</div>}
              </td>
              <td>{r.required ? "yes" : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const WHO = {
  public: "anyone",
  user: "signed-in users and tokens",
  admin: "admins",
  agent: "agent processes (their own credential)",
} as const;

function Operation(
  { method, path, op }: { method: string; path: string; op: OpenApiOperation },
) {
  const params = op.parameters ?? [];
  const body = op.requestBody?.content["application/json"].schema;
  return (
    <article class="panel" id={op.operationId}>
      <h4 class="mono">
        {method.toUpperCase()} {path}
      </h4>
      <p>
        {op.summary}.{" "}
        <span class="mut">Who: {WHO[op["x-falcon-access"]]}.</span>
      </p>
      {op.description && <p class="mut">{op.description}</p>}
      {params.length > 0 && (
        <>
          <h5>Parameters</h5>
          <div class="scroll">
            <table class="tbl">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">In</th>
                  <th scope="col">Type</th>
                  <th scope="col">Required</th>
                </tr>
              </thead>
              <tbody>
                {params.map((p) => (
                  <tr key={`${p.in}:${p.name}`}>
                    <td class="mono">{p.name}</td>
                    <td>{p.in}</td>
                    <td>
                      {typeText(p.schema)}
                      {p.description && <div class="mut">{p.description}</div>}
                    </td>
                    <td>{p.required ? "yes" : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {body && (
        <>
          <h5>Body (JSON)</h5>
          <Fields schema={body} />
        </>
      )}
      <h5>Responses</h5>
      <dl>
        {Object.entries(op.responses).map(([status, r]) => {
          const types = Object.keys(r.content ?? {});
          const schema = r.content?.["application/json"]?.schema;
          const isError = Number(status) >= 400;
          return (
            <div key={status}>
              <dt class="mono">
                {status}{" "}
                {types.length > 0 && <span class="mut">{types[0]}</span>}
              </dt>
              <dd>
                {r.description}
                {schema && !isError && <Fields schema={schema} />}
              </dd>
            </div>
          );
        })}
      </dl>
    </article>
  );
}

export function ApiReference({ doc }: { doc: OpenApiDocument }) {
  const byTag = new Map<string, [string, string, OpenApiOperation][]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const list = byTag.get(op.tags[0]) ?? [];
      list.push([method, path, op]);
      byTag.set(op.tags[0], list);
    }
  }
  const tags = doc.tags.filter((t) => byTag.has(t.name));
  return (
    <>
      <nav aria-label="API sections">
        <ul class="acts-inline">
          {tags.map((t) => (
            <li key={t.name}>
              <a href={`#tag-${t.name}`}>{t.name}</a>
            </li>
          ))}
        </ul>
      </nav>
      {tags.map((t) => (
        <section key={t.name} id={`tag-${t.name}`}>
          <h3>{t.name}</h3>
          <p class="mut">{t.description}</p>
          {byTag.get(t.name)!.map(([method, path, op]) => (
            <Operation
              key={op.operationId}
              method={method}
              path={path}
              op={op}
            />
          ))}
        </section>
      ))}
    </>
  );
}

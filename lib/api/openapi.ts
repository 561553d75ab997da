/**
 * The OpenAPI 3.1 document of `/api`, generated from the route table
 * (routes.ts) with zod's own `z.toJSONSchema()`: OpenAPI 3.1 schemas are
 * JSON Schema 2020-12, which is zod 4's default target, so no converter
 * library is needed and nothing is written twice. Request schemas are
 * rendered as the input they accept (defaults make a field optional),
 * answers as the output they produce.
 */
import { z } from "zod";
import { errorBodySchema } from "./common.ts";
import { SSE_EVENTS } from "./events.ts";
import { API, API_TAGS, type ApiRoute } from "./routes.ts";

export type JsonSchema = Record<string, unknown>;

export interface OpenApiOptions {
  version: string;
  /** Name of the session cookie (a security scheme). */
  sessionCookie: string;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  "x-falcon-access": ApiRoute["access"];
  parameters?: {
    name: string;
    in: "path" | "query";
    required: boolean;
    description?: string;
    schema: JsonSchema;
  }[];
  requestBody?: {
    required: true;
    content: { "application/json": { schema: JsonSchema } };
  };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema?: JsonSchema }> }
  >;
}

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

/** A zod schema as JSON Schema 2020-12, without the per-schema `$schema` key. */
export function jsonSchemaOf(
  schema: z.ZodType,
  io: "input" | "output",
): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io,
    // Refinements stay in the validator; the document shows their shape.
    unrepresentable: "any",
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

const ERRORS: Record<number, string> = {
  400: "Invalid input: `error.field` names the field at fault",
  401: "Not signed in (no session cookie or bearer token)",
  403: "Signed in, but not allowed (role, camera grant or read-only token)",
  404: "No such resource",
};

const errorRef = {
  description: "",
  content: {
    "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } },
  },
};

function operation(id: string, r: ApiRoute): OpenApiOperation {
  const parameters: NonNullable<OpenApiOperation["parameters"]> = [];
  for (
    const [where, schema] of [["path", r.params], ["query", r.query]] as const
  ) {
    if (!schema) continue;
    const js = jsonSchemaOf(schema, "input");
    const props = (js.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((js.required ?? []) as string[]);
    for (const [name, s] of Object.entries(props)) {
      const { description, ...rest } = s;
      parameters.push({
        name,
        in: where,
        required: where === "path" || required.has(name),
        ...(typeof description === "string" ? { description } : {}),
        schema: rest,
      });
    }
  }
  const responses: OpenApiOperation["responses"] = {};
  for (const [status, res] of Object.entries(r.responses)) {
    responses[status] = {
      description: res.description,
      ...(res.schema
        ? {
          content: {
            "application/json": { schema: jsonSchemaOf(res.schema, "output") },
          },
        }
        : res.contentType
        ? { content: { [res.contentType]: {} } }
        : {}),
    };
  }
  const errors = [
    ...(r.params || r.query || r.body ? [400] : []),
    ...(r.access === "public" ? [] : [401, 403]),
    ...(r.params ? [404] : []),
  ];
  for (const status of errors) {
    responses[String(status)] = { ...errorRef, description: ERRORS[status] };
  }
  return {
    operationId: id,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: [r.tag],
    security: r.access === "public"
      ? []
      : r.access === "agent"
      ? [{ bearer: [] }]
      : [{ session: [] }, { bearer: [] }],
    "x-falcon-access": r.access,
    ...(parameters.length ? { parameters } : {}),
    ...(r.body
      ? {
        requestBody: {
          required: true as const,
          content: {
            "application/json": { schema: jsonSchemaOf(r.body, "input") },
          },
        },
      }
      : {}),
    responses,
  };
}

/** The whole document; cheap enough to build once per process. */
export function openApiDocument(opts: OpenApiOptions): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  for (const [group, routes] of Object.entries(API)) {
    for (const [name, r] of Object.entries(routes) as [string, ApiRoute][]) {
      const entry = paths[r.path] ??= {};
      entry[r.method.toLowerCase()] = operation(`${group}.${name}`, r);
    }
  }
  const schemas: Record<string, JsonSchema> = {
    ErrorBody: jsonSchemaOf(errorBodySchema, "output"),
  };
  // The data of each Server-Sent Event kind of /api/events.
  for (const [kind, schema] of Object.entries(SSE_EVENTS)) {
    schemas[`Event_${kind}`] = {
      ...jsonSchemaOf(schema, "output"),
      description: `Data of the \`${kind}\` event on /api/events`,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Falcon-Eye API",
      version: opts.version,
      description:
        "The controller's HTTP API. JSON in and out; every error is `{error: {code, message}}` naming the field at fault. Sign in with the session cookie (dashboard) or `Authorization: Bearer <token>` (API tokens; read-only tokens may only GET). Writes with a session cookie need the `X-CSRF-Token` header.",
    },
    tags: API_TAGS.map((t) => ({ ...t })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: opts.sessionCookie },
        bearer: { type: "http", scheme: "bearer" },
      },
    },
  };
}

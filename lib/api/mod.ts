/**
 * The controller's API contract: one zod schema and its inferred type per
 * resource, request body, query and event. The controller validates with
 * these (through its route registry, controller/http/api/registry.ts), the
 * OpenAPI document at `/api/openapi.json` is generated from them, and the
 * dashboard, CLI and agent processes import the same types.
 */
export * from "./audit.ts";
export * from "./cameras.ts";
export * from "./common.ts";
export * from "./events.ts";
export * from "./nodes.ts";
export * from "./recordings.ts";
export * from "./routes.ts";
export * from "./settings.ts";
export * from "./streams.ts";
export * from "./tokens.ts";
export * from "./users.ts";

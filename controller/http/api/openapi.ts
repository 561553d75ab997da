/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document of this API, generated
 * from the contract table (lib/api/routes.ts) once per process. Signed-in
 * users and tokens only, like the rest of /api: it lists no secret, but the
 * security model keeps everything but sign-in and health behind login.
 */
import { Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import {
  type OpenApiDocument,
  openApiDocument,
} from "../../../lib/api/openapi.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { SESSION_COOKIE } from "../middleware/auth.ts";
import { api } from "./registry.ts";

export function openapiApi(version: string): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  let doc: OpenApiDocument | undefined;
  app.get(
    "/openapi.json",
    api(API.meta.openapi),
    (c) =>
      c.json(
        doc ??= openApiDocument({ version, sessionCookie: SESSION_COOKIE }),
      ),
  );
  return app;
}

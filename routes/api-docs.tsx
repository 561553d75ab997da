/**
 * `/api-docs`: the API reference a person can read, rendered on the server
 * from the same OpenAPI document `/api/openapi.json` serves (no scripts, no
 * external assets).
 */
import { ApiReference } from "../components/ApiReference.tsx";
import { Layout } from "./_layout/Layout.tsx";
import type { RouteContext } from "../controller/web/types.ts";
import { openApiDocument } from "../lib/api/openapi.ts";
import { VERSION } from "../lib/version.ts";
import { SESSION_COOKIE_NAME } from "../lib/api/common.ts";

export const title = "API";
export const access = "user";

let doc: ReturnType<typeof openApiDocument> | undefined;

export default function ApiDocsPage({ user }: RouteContext) {
  doc ??= openApiDocument({
    version: VERSION,
    sessionCookie: SESSION_COOKIE_NAME,
  });
  return (
    <Layout user={user} current="/api-docs">
      <h2>API</h2>
      <p class="lead">
        Everything the dashboard does goes through this API. Send JSON with{" "}
        <code>Authorization: Bearer $FALCON_TOKEN</code> (make a token on the
        {" "}
        <a href="/tokens">Tokens</a>{" "}
        page; read-only tokens may only read). Errors are{" "}
        <code>{"{error: {code, message}}"}</code>{" "}
        and name the field at fault. The machine-readable OpenAPI 3.1 document
        is <a href="/api/openapi.json">/api/openapi.json</a>.
      </p>
      <ApiReference doc={doc} />
    </Layout>
  );
}

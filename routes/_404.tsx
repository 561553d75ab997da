/** Any unknown page: answered with status 404. */
import { Layout } from "./_layout/Layout.tsx";
import type { RouteContext } from "../controller/web/types.ts";

export const title = "Page not found";

export default function NotFoundPage({ url }: RouteContext) {
  return (
    <Layout>
      <section>
        <h2>Page not found</h2>
        <p>
          There is no page at <code>{url.pathname}</code>.{" "}
          <a href="/">Go to the cameras</a>.
        </p>
      </section>
    </Layout>
  );
}

/**
 * `/tokens`: API tokens for the CLI and scripts (admins see every token,
 * others their own). The island loads them from `/api/tokens`.
 */
import { Layout } from "./_layout/Layout.tsx";
import { Island } from "../controller/web/island.tsx";
import type { RouteContext } from "../controller/web/types.ts";
import TokensAdmin from "../islands/TokensAdmin.tsx";

export const title = "API tokens";
export const access = "user";

export default function TokensPage({ user }: RouteContext) {
  const me = user!;
  return (
    <Layout user={me} current="/tokens">
      <Island
        name="TokensAdmin"
        component={TokensAdmin}
        props={{ role: me.role, userId: me.id }}
      />
    </Layout>
  );
}

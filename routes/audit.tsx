/**
 * `/audit` (admins): the security audit log, paginated and filtered by
 * action. The island loads each page from `/api/audit`.
 */
import { Layout } from "./_layout/Layout.tsx";
import { Island } from "../controller/web/island.tsx";
import type { RouteContext } from "../controller/web/types.ts";
import AuditLog from "../islands/AuditLog.tsx";

export const title = "Audit log";
export const access = "admin";

export default function AuditPage({ user }: RouteContext) {
  return (
    <Layout user={user} current="/audit">
      <Island name="AuditLog" component={AuditLog} props={{ limit: 50 }} />
    </Layout>
  );
}

/**
 * `/users` (admins): accounts, roles, camera access, password resets. The
 * island loads the users from `/api/users`; the cameras to grant come from
 * the deps here.
 */
import { Layout } from "./_layout/Layout.tsx";
import { Island } from "../controller/web/island.tsx";
import type { RouteContext } from "../controller/web/types.ts";
import UsersAdmin from "../islands/UsersAdmin.tsx";

export const title = "Users";
export const access = "admin";

export default async function UsersPage({ deps, user }: RouteContext) {
  const me = user!;
  const cameras = (await deps.listCameras(me)).map((c) => ({
    id: c.id,
    name: c.name,
  }));
  return (
    <Layout user={me} current="/users">
      <Island
        name="UsersAdmin"
        component={UsersAdmin}
        props={{ cameras, me: me.id }}
      />
    </Layout>
  );
}

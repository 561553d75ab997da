/**
 * `/agents` (admins): the AI agents with their live status, the form to add
 * one, edit, start/stop/restart, tools and camera grants. The island loads
 * the agents and the tools from the API; the cameras to grant come from the
 * deps here.
 */
import { Layout } from "../_layout/Layout.tsx";
import { Island } from "../../controller/web/island.tsx";
import type { RouteContext } from "../../controller/web/types.ts";
import AgentsAdmin from "../../islands/AgentsAdmin.tsx";

export const title = "Agents";
export const access = "admin";

export default async function AgentsPage({ deps, user }: RouteContext) {
  const me = user!;
  const cameras = (await deps.listCameras(me)).map((c) => ({
    id: c.id,
    name: c.name,
  }));
  return (
    <Layout user={me} current="/agents">
      <Island name="AgentsAdmin" component={AgentsAdmin} props={{ cameras }} />
    </Layout>
  );
}

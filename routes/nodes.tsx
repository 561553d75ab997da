/**
 * `/nodes` (admins): the node agents with their last heartbeat's facts
 * (ffmpeg, USB devices, disk, cameras running), status and load live over
 * SSE.
 */
import { Layout } from "./_layout/Layout.tsx";
import { Island } from "../controller/web/island.tsx";
import type { RouteContext } from "../controller/web/types.ts";
import { toNodeDetail } from "../controller/web/views.ts";
import NodesView from "../islands/NodesView.tsx";

export const title = "Nodes";
export const access = "admin";

export default async function NodesPage({ deps, user }: RouteContext) {
  const me = user!;
  const [list, cameras] = await Promise.all([
    deps.listNodes(me),
    deps.listCameras(me),
  ]);
  const names = new Map(cameras.map((c) => [c.id, c.name]));
  const nodes = list.map((n) => toNodeDetail(n, names));
  return (
    <Layout user={me} current="/nodes">
      <section aria-labelledby="nodes-h">
        <h2 id="nodes-h">Nodes</h2>
        <p class="hint lead">
          Status and load update live. The CPU and memory lines cover the
          samples received since this page opened (the controller keeps only
          each node's latest heartbeat); a node sends one when its load changes
          noticeably. Devices, disk and cameras are as of the page load.
        </p>
        <Island name="NodesView" component={NodesView} props={{ nodes }} />
      </section>
    </Layout>
  );
}

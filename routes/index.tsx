/**
 * `/`: the camera grid. Loads cameras and nodes, renders the header counts,
 * the grid and the add-camera form as islands (server-rendered first).
 */
import { Layout } from "./_layout/Layout.tsx";
import { Island } from "../controller/web/island.tsx";
import type { RouteContext } from "../controller/web/types.ts";
import {
  toCameraView,
  toNodeChoice,
  toNodeView,
} from "../controller/web/views.ts";
import AddCameraForm from "../islands/AddCameraForm.tsx";
import CameraCounts from "../islands/CameraCounts.tsx";
import CameraGrid from "../islands/CameraGrid.tsx";

export const title = "Cameras";

export default async function CamerasPage({ deps, user }: RouteContext) {
  const me = user!;
  const [cameras, nodeList] = await Promise.all([
    deps.listCameras(me).then((list) => list.map(toCameraView)),
    deps.listNodes(me),
  ]);
  // Recording/Not recording on each tile; SSE `recording` events keep it current.
  const open = await deps.openRecordings?.(cameras.map((c) => c.id))
    .catch(() => undefined);
  if (open) { for (const c of cameras) c.recording = open[c.id] ?? null; }
  // The grid opens its live stream once hydrated; start the relays now.
  deps.warmStreams?.(cameras.map((c) => c.id));
  const nodes = nodeList.map(toNodeView);
  // The add-camera form starts from the default_resolution / default_framerate settings.
  const settings = me.role === "admin"
    ? (await deps.settings?.().catch(() => undefined))?.settings
    : undefined;
  const counts = {
    cameras: cameras.map((c) => ({ id: c.id, status: c.status })),
    nodes: nodes.map((n) => ({ name: n.name, status: n.status })),
  };
  return (
    <Layout
      user={me}
      header={
        <Island name="CameraCounts" component={CameraCounts} props={counts} />
      }
    >
      <section aria-labelledby="cameras-h">
        <h2 id="cameras-h">Cameras</h2>
        <Island
          name="CameraGrid"
          component={CameraGrid}
          props={{ cameras, userId: me.id, admin: me.role === "admin" }}
        />
      </section>
      {me.role === "admin" && (
        <section aria-labelledby="add-h">
          <h2 id="add-h">Add a camera</h2>
          <p class="hint lead">
            Or <a href="/cameras/scan">scan for cameras</a>{" "}
            (USB, ONVIF discovery, a subnet) and add several at once.
          </p>
          <Island
            name="AddCameraForm"
            component={AddCameraForm}
            props={{
              nodes: nodeList.map(toNodeChoice),
              defaults: settings && {
                resolution: String(settings.default_resolution),
                framerate: Number(settings.default_framerate),
              },
            }}
          />
        </section>
      )}
    </Layout>
  );
}

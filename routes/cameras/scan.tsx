/**
 * `/cameras/scan` (admins): scan the nodes for USB, ONVIF and network
 * cameras and add several at once (islands/CameraScan.tsx;
 * docs/guide/scanning.md).
 */
import { Layout } from "../_layout/Layout.tsx";
import { Island } from "../../controller/web/island.tsx";
import type { RouteContext } from "../../controller/web/types.ts";
import CameraScan from "../../islands/CameraScan.tsx";

export const title = "Scan for cameras";
export const access = "admin";

export default async function ScanPage({ deps, user }: RouteContext) {
  const me = user!;
  const nodes = (await deps.listNodes(me)).map((n) => ({
    name: n.name,
    status: n.status,
  }));
  return (
    <Layout user={me} current="/cameras/scan">
      <section aria-labelledby="scan-h">
        <h2 id="scan-h">Scan for cameras</h2>
        <p class="hint lead">
          The node agents look for cameras: video devices plugged into them,
          ONVIF cameras that answer a discovery broadcast, and, if you give a
          subnet, RTSP, ONVIF and web ports in that range. Each finding says how
          sure it is and what the device answered. Tick the ones to add, give
          names and credentials, and add them in one go.
        </p>
        <Island name="CameraScan" component={CameraScan} props={{ nodes }} />
      </section>
    </Layout>
  );
}

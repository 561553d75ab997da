/**
 * `/settings` (admins): the runtime settings (controller/settings) in one
 * form, server-rendered with their values, defaults and help; saving goes
 * through `PATCH /api/settings` and takes effect at once. When the
 * controller runs agents (`deps.listAgents`), the "AI providers" section:
 * shared keys and base URLs with a check that lists the models.
 */
import { Layout } from "./_layout/Layout.tsx";
import { Island } from "../controller/web/island.tsx";
import type { RouteContext } from "../controller/web/types.ts";
import SettingsForm from "../islands/SettingsForm.tsx";
import ProvidersForm from "../islands/ProvidersForm.tsx";

export const title = "Settings";
export const access = "admin";

export default async function SettingsPage({ deps, user }: RouteContext) {
  const me = user!;
  const [view, nodes] = await Promise.all([
    deps.settings?.(),
    deps.listNodes(me),
  ]);
  return (
    <Layout user={me} current="/settings">
      <section aria-labelledby="settings-h">
        <h2 id="settings-h">Settings</h2>
        <p class="hint lead">
          Changes apply as soon as they are saved, without a restart: node
          agents receive them within a second. Camera defaults apply to cameras
          added afterwards.
        </p>
        {view
          ? (
            <Island
              name="SettingsForm"
              component={SettingsForm}
              props={{ view, nodes: nodes.map((n) => n.name).sort() }}
            />
          )
          : (
            <p class="empty" role="alert">
              This controller does not serve settings.
            </p>
          )}
      </section>
      {deps.listAgents && (
        <section aria-labelledby="providers-h">
          <h2 id="providers-h">AI providers</h2>
          <Island name="ProvidersForm" component={ProvidersForm} props={{}} />
        </section>
      )}
    </Layout>
  );
}

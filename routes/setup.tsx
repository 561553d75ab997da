/**
 * `/setup`: first run. Creates the admin account with the one-time setup link
 * the controller printed; once an account exists it sends people to /login.
 */
import { Layout } from "./_layout/Layout.tsx";
import { Island } from "../controller/web/island.tsx";
import type { RouteContext } from "../controller/web/types.ts";
import SignInForm from "../islands/SignInForm.tsx";

export const title = "Set up";
export const access = "public";

export default async function SetupPage({ deps, url }: RouteContext) {
  if (!(await deps.setupRequired())) {
    return Response.redirect(new URL("/login", url), 303);
  }
  const token = url.searchParams.get("token") ?? "";
  return (
    <Layout>
      <section class="narrow" aria-labelledby="setup-h">
        <h2 id="setup-h">Create the admin account</h2>
        <p>
          Falcon-Eye has no default password. Choose the administrator's name
          and password; you can add viewers afterwards.
        </p>
        <Island
          name="SignInForm"
          component={SignInForm}
          props={{ mode: "setup" as const, token }}
        />
      </section>
    </Layout>
  );
}

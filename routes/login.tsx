/** `/login`: sign in. Signed-in users go straight to the cameras. */
import { Layout } from "./_layout/Layout.tsx";
import { Island } from "../controller/web/island.tsx";
import type { RouteContext } from "../controller/web/types.ts";
import SignInForm from "../islands/SignInForm.tsx";
import { localPath } from "../lib/local_path.ts";

export const title = "Sign in";
export const access = "public";

export default async function LoginPage({ deps, url, user }: RouteContext) {
  if (user) return Response.redirect(new URL("/", url), 303);
  if (await deps.setupRequired()) {
    return Response.redirect(new URL("/setup", url), 303);
  }
  // Only a path of this site survives (no open redirect after sign-in).
  const next = localPath(url.searchParams.get("next"), url.origin);
  return (
    <Layout>
      <section class="narrow" aria-labelledby="signin-h">
        <h2 id="signin-h">Sign in</h2>
        <Island
          name="SignInForm"
          component={SignInForm}
          props={{ mode: "login" as const, next }}
        />
      </section>
    </Layout>
  );
}

/** `/account`: the signed-in user's own password. */
import { Layout } from "./_layout/Layout.tsx";
import { Island } from "../controller/web/island.tsx";
import type { RouteContext } from "../controller/web/types.ts";
import AccountForm from "../islands/AccountForm.tsx";

export const title = "Account";
export const access = "user";

export default function AccountPage({ user }: RouteContext) {
  const me = user!;
  return (
    <Layout user={me} current="/account">
      <section aria-labelledby="account-h">
        <h2 id="account-h">Change your password</h2>
        <p>
          Signed in as <b>{me.username}</b>{" "}
          ({me.role}). Changing the password signs out your other sessions; API
          tokens keep working (revoke them on the <a href="/tokens">Tokens</a>
          {" "}
          page).
        </p>
        <Island
          name="AccountForm"
          component={AccountForm}
          props={{ username: me.username }}
        />
      </section>
    </Layout>
  );
}

import { auth } from "../api.js";
import { h } from "../dom.js";

/**
 * Operators enter the function key once per browser tab. Where the app has App Service
 * Authentication (`entraSignIn` is its login path), people sign in with Microsoft Entra ID instead.
 */
export function renderSignIn(main, page, entraSignIn) {
  const input = h("input", { id: "function-key", name: "function-key", type: "password", autocomplete: "off", required: true, "aria-describedby": "key-help" });
  const form = h(
    "form",
    { class: "sign-in", "aria-labelledby": "sign-in-title" },
    h("label", { for: "function-key" }, "Function key"),
    input,
    h("p", { id: "key-help", class: "muted" }, "Printed as “Function key” when `cleversync start` starts; in Azure, under the function app's App keys. Kept in this tab only, never in a URL."),
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    auth.signIn(input.value.trim());
    page.render();
  });
  const entra = entraSignIn
    ? h("p", {}, h("a", { href: `${entraSignIn}?post_login_redirect_uri=${encodeURIComponent(location.pathname)}` }, "Sign in with Microsoft Entra ID"), h("span", { class: "muted" }, " — or, as an operator, with the function key:"))
    : null;
  main.replaceChildren(h("h1", { id: "sign-in-title" }, "Sign in"), entra, form);
  input.focus();
}

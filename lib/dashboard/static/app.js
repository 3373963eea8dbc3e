// Hash routes (#/, #/tenants/{id}, #/health, #/held, #/audit): one page, no server round trip to
// navigate, and the key never appears in a URL.
import { api, ApiError, auth } from "./api.js";
import { h } from "./dom.js";
import { renderAudit } from "./views/audit.js";
import { renderHealth } from "./views/health.js";
import { renderHeld } from "./views/held.js";
import { renderSignIn } from "./views/signIn.js";
import { renderTenant } from "./views/tenant.js";
import { renderTenants } from "./views/tenants.js";

const main = document.getElementById("main");
const notice = document.getElementById("notice");
const signOut = document.getElementById("sign-out");

/** What a view may use: say something to the user, leave the page (stops its timers), ask what the caller may do. */
const page = {
  controller: new AbortController(),
  /** The signed-in caller (sign-in mode only): {name, operator, syncTenants, viewerTenants}. */
  caller: null,
  /** "sync" (start a sync) or "operate" (refresh token, enable/disable): key holders may do both. */
  may(action, tenantId) {
    if (auth.mode === "key" || page.caller?.operator) return true;
    return action === "sync" && Boolean(page.caller?.syncTenants.includes(tenantId));
  },
  say(message, tone = "error") {
    notice.className = tone === "info" ? "info" : "";
    notice.textContent = message;
  },
  go(hash) {
    location.hash = hash;
  },
  render,
};

const routes = [
  [/^#\/?$/, () => renderTenants(main, page)],
  [/^#\/tenants\/([a-z0-9-]+)$/, (id) => renderTenant(main, page, id)],
  [/^#\/health$/, () => renderHealth(main, page)],
  [/^#\/held$/, () => renderHeld(main, page)],
  [/^#\/audit$/, () => renderAudit(main, page)],
];

async function render() {
  page.controller.abort();
  page.controller = new AbortController();
  notice.textContent = "";
  markCurrentLink();
  let signIn;
  try {
    signIn = await chooseMode();
  } catch (error) {
    page.say(`Could not reach the app: ${error.message}`);
    return;
  }
  signOut.hidden = signIn !== undefined;
  if (signIn !== undefined) return renderSignIn(main, page, signIn);
  const hash = location.hash || "#/";
  const route = routes.find(([pattern]) => pattern.test(hash));
  if (!route) {
    main.replaceChildren(h("h1", {}, "Not found"), h("p", {}, "This page does not exist. ", h("a", { href: "#/" }, "Back to the tenants")));
    return;
  }
  try {
    await route[1](...hash.match(route[0]).slice(1));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && auth.mode === "key") {
      auth.signOut();
      page.say("The function key was refused. Enter it again (it is printed when the app starts, or found in the Azure portal under App keys).");
      return render();
    }
    page.say(error instanceof ApiError ? `${error.problem?.title ?? "Error"}: ${error.message}` : `Something went wrong: ${error.message}`);
  }
}

/**
 * A key in this tab means key mode. Otherwise ask /api/me who we are: signed in through App
 * Service Authentication → sign-in mode; else returns what the sign-in page offers (the Entra
 * sign-in path when the app has App Service Authentication, null when only a key can work).
 */
async function chooseMode() {
  if (auth.key()) {
    auth.mode = "key";
    return undefined;
  }
  auth.mode = "signin";
  try {
    page.caller = (await api("overview")).body.caller ?? null;
    return undefined;
  } catch (error) {
    auth.mode = "key";
    page.caller = null;
    if (error instanceof ApiError && error.status === 401) return error.problem?.signIn ?? null;
    throw error;
  }
}

function markCurrentLink() {
  const section = (location.hash || "#/").split("/")[1] ?? "";
  for (const link of document.querySelectorAll("nav a")) {
    const target = link.getAttribute("href").split("/")[1] ?? "";
    if (target === section || (target === "" && section === "tenants")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

signOut.addEventListener("click", () => {
  if (auth.mode === "signin") {
    location.assign(`/.auth/logout?post_logout_redirect_uri=${encodeURIComponent(location.pathname)}`);
    return;
  }
  auth.signOut();
  render();
});
window.addEventListener("hashchange", () => {
  render().then(() => main.focus());
});
render();

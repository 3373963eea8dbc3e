// Hash routes (#/, #/tenants/{id}, #/health, #/held, #/audit): one page, no server round trip to
// navigate, and the key never appears in a URL.
import { ApiError, auth } from "./api.js";
import { h } from "./dom.js";
import { renderHealth } from "./views/health.js";
import { renderSignIn } from "./views/signIn.js";
import { renderTenant } from "./views/tenant.js";
import { renderTenants } from "./views/tenants.js";

const main = document.getElementById("main");
const notice = document.getElementById("notice");
const signOut = document.getElementById("sign-out");

/** What a view may use: say something to the user, leave the page (stops its timers). */
const page = {
  controller: new AbortController(),
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
];

async function render() {
  page.controller.abort();
  page.controller = new AbortController();
  notice.textContent = "";
  signOut.hidden = !auth.key();
  markCurrentLink();
  if (!auth.key()) return renderSignIn(main, page);
  const hash = location.hash || "#/";
  const route = routes.find(([pattern]) => pattern.test(hash));
  if (!route) {
    main.replaceChildren(h("h1", {}, "Not found"), h("p", {}, "This page does not exist. ", h("a", { href: "#/" }, "Back to the tenants")));
    return;
  }
  try {
    await route[1](...hash.match(route[0]).slice(1));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      auth.signOut();
      page.say("The function key was refused. Enter it again (it is printed when the app starts, or found in the Azure portal under App keys).");
      return render();
    }
    page.say(error instanceof ApiError ? `${error.problem?.title ?? "Error"}: ${error.message}` : `Something went wrong: ${error.message}`);
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
  auth.signOut();
  render();
});
window.addEventListener("hashchange", () => {
  render().then(() => main.focus());
});
render();

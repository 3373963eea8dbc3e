import { api } from "../api.js";
import { h, number, setServerTime, statusText, table, when } from "../dom.js";

const REFRESH_MS = 5000;

/** All tenants at a glance; refreshes itself while the page is open. */
export async function renderTenants(main, page) {
  const draw = async () => {
    const { body } = await api("overview");
    setServerTime(body.generatedAt);
    const rows = body.tenants.map((t) => {
      const live = t.counts ? Object.values(t.counts).reduce((sum, c) => sum + c.live, 0) : null;
      return h(
        "tr",
        {},
        h("th", { scope: "row" }, h("a", { href: `#/tenants/${t.id}` }, t.displayName), h("div", { class: "muted" }, h("code", {}, t.id))),
        h("td", {}, t.enabled ? "Enabled" : "Disabled"),
        h("td", {}, keeperCell(t.keeper)),
        h("td", {}, t.runningInstanceId ? statusText("running") : t.lastRun ? [statusText(t.lastRun.status), " ", when(t.lastRun.finishedAt ?? t.lastRun.startedAt)] : "never"),
        h("td", {}, t.nextScheduledRun ? when(t.nextScheduledRun) : "—"),
        h("td", { class: "num" }, number(live)),
        h("td", { class: "num" }, number(t.quarantined)),
        h("td", { class: "num" }, t.held ? h("a", { href: "#/held" }, `${t.held} to review`) : number(t.held)),
        h("td", { class: t.storeError ? "status bad" : undefined }, t.storeError ?? "none"),
      );
    });
    main.replaceChildren(
      h("h1", {}, "Tenants"),
      body.tenants.length === 0
        ? h("p", {}, "No tenants yet. Add one with `cleversync tenants add` or PUT /api/tenants/{id}.")
        : table(`${body.tenants.length} tenant(s), as of ${new Date(body.generatedAt).toISOString()}`, ["Tenant", "State", "Token", "Last run", "Next run", { label: "Live records", num: true }, { label: "Quarantined", num: true }, { label: "Held runs", num: true }, "Problems"], rows),
    );
  };
  await draw();
  const timer = setInterval(() => draw().catch((error) => page.say(`Could not refresh: ${error.message}`)), REFRESH_MS);
  page.controller.signal.addEventListener("abort", () => clearInterval(timer));
}

function keeperCell(keeper) {
  if (!keeper) return h("span", { class: "status warn" }, "no token keeper");
  if (!keeper.state) return h("span", { class: "status warn" }, keeper.runtimeStatus);
  return [statusText(keeper.state), " ", h("code", { title: "First 12 hex characters of the token's SHA-256 (never the token)" }, keeper.fingerprint ?? "—"), keeper.lastError ? h("div", { class: "status bad" }, keeper.lastError) : null];
}

import { api } from "../api.js";
import { h, table, when } from "../dom.js";

const LIMIT = 100;

/** The audit log of every tenant the caller can see, newest first. */
export async function renderAudit(main) {
  const { body } = await api("overview");
  const logs = await Promise.all(body.tenants.map(async (t) => (await api(`tenants/${t.id}/audit?limit=${LIMIT}`)).body.entries));
  const entries = logs.flat().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const rows = entries.map((e) =>
    h("tr", {}, h("td", {}, when(e.at)), h("td", {}, h("code", {}, e.tenantId)), h("td", {}, e.actor), h("td", {}, h("code", {}, e.action)), h("td", {}, h("code", {}, e.target ?? "")), h("td", {}, details(e.details))),
  );
  main.replaceChildren(h("h1", {}, "Audit log"), entries.length ? table(`Newest first, up to ${LIMIT} per tenant`, ["When", "Tenant", "Who", "Action", "Target", "Details"], rows) : h("p", {}, "No audited actions yet."));
}

function details(value) {
  if (!value || typeof value !== "object" || Object.keys(value).length === 0) return "—";
  return h("code", {}, JSON.stringify(value));
}

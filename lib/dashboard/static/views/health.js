import { api, ApiError } from "../api.js";
import { h, statusText, table } from "../dom.js";

/** GET /api/health answers 503 with the same report when Unhealthy: show it either way. */
export async function renderHealth(main) {
  let report;
  try {
    report = (await api("health")).body;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 503 && error.problem?.entries)) throw error;
    report = error.problem;
  }
  const rows = Object.entries(report.entries ?? {}).map(([name, entry]) =>
    h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, statusText(entry.status)), h("td", {}, entry.description ?? ""), h("td", { class: "num" }, entry.duration ?? "")),
  );
  main.replaceChildren(
    h("h1", {}, "Health"),
    h("p", {}, "Overall: ", statusText(report.status), h("span", { class: "muted" }, ` (checks took ${report.totalDuration ?? "?"})`)),
    table("Each check, from the app's cached health snapshot", ["Check", "Status", "Description", { label: "Duration", num: true }], rows),
  );
}

import { api, ApiError } from "../api.js";
import { runsChart } from "../chart.js";
import { duration, h, number, seconds, setServerTime, statusText, table, when } from "../dom.js";

const POLL_MS = 1000;
const FINISHED = new Set(["Completed", "Failed", "Terminated"]);

/** One tenant: facts, actions (sync, refresh token, enable/disable), live progress, recent runs. */
export async function renderTenant(main, page, tenantId) {
  const [tenant, overview, runs] = await Promise.all([api(`tenants/${tenantId}`), api("overview"), api(`tenants/${tenantId}/runs?limit=30`)]);
  setServerTime(overview.body.generatedAt);
  const row = overview.body.tenants.find((t) => t.id === tenantId);
  const progress = h("section", { "aria-labelledby": "progress-title", "aria-live": "polite" });
  const runsSection = h("section", { "aria-labelledby": "runs-title" });
  const signal = page.controller.signal;

  const watch = async (instanceId) => {
    while (!signal.aborted) {
      let status;
      try {
        status = (await api(`tenants/${tenantId}/sync/${encodeURIComponent(instanceId)}`)).body;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return;
        throw error;
      }
      if (signal.aborted) return;
      progress.replaceChildren(...progressView(status).filter(Boolean));
      if (FINISHED.has(status.runtimeStatus)) {
        drawRuns((await api(`tenants/${tenantId}/runs?limit=30`)).body.runs);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  const drawRuns = (list) => runsSection.replaceChildren(...runsView(list).filter(Boolean));

  const mode = h("select", { id: "sync-mode", name: "sync-mode" }, h("option", { value: "incremental" }, "Incremental"), h("option", { value: "full" }, "Full"));
  const act = (label, action, className) => {
    const button = h("button", { type: "button", class: className }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await action();
      } catch (error) {
        page.say(error instanceof ApiError ? `${error.problem?.title ?? "Refused"}: ${error.message}` : error.message);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  };
  const enabled = tenant.body.enabled;
  const syncActions = page.may("sync", tenantId)
    ? [
        h("label", { for: "sync-mode" }, "Sync mode"),
        mode,
        act("Sync now", async () => {
          try {
            const started = await api(`tenants/${tenantId}/sync`, { method: "POST", body: { mode: mode.value } });
            page.say(`Started ${mode.value} sync ${started.body.id}.`, "info");
            watch(started.body.id).catch((error) => page.say(error.message));
          } catch (error) {
            if (!(error instanceof ApiError && error.status === 409 && error.problem?.instanceId)) throw error;
            page.say(`A sync is already running (${error.problem.instanceId}); showing its progress.`, "info");
            watch(error.problem.instanceId).catch((e) => page.say(e.message));
          }
        }),
      ]
    : [];
  const operatorActions = page.may("operate", tenantId)
    ? [
        act("Refresh token", async () => {
          await api(`tenants/${tenantId}/token/refresh`, { method: "POST" });
          page.say("Asked the token keeper to refresh the token now.", "info");
        }, "secondary"),
        act(enabled ? "Disable tenant" : "Enable tenant", async () => {
          const current = await api(`tenants/${tenantId}`);
          const { createdAt: _c, updatedAt: _u, ...definition } = current.body;
          await api(`tenants/${tenantId}`, { method: "PUT", body: { ...definition, enabled: !current.body.enabled }, headers: { "if-match": current.etag } });
          await page.render();
          page.say(`Tenant ${current.body.enabled ? "disabled" : "enabled"}.`, "info");
        }, enabled ? "danger" : "secondary"),
      ]
    : [];
  const actions = syncActions.length || operatorActions.length
    ? h("div", { class: "actions", role: "group", "aria-label": "Actions" }, syncActions, operatorActions)
    : h("p", { class: "muted" }, "Read-only: your role lets you view this tenant, not change it.");

  main.replaceChildren(
    h("p", {}, h("a", { href: "#/" }, "← All tenants")),
    h("h1", {}, tenant.body.displayName, " ", h("code", { class: "muted" }, tenantId)),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "State"),
      h("dd", {}, enabled ? "Enabled" : "Disabled"),
      h("dt", {}, "Clever district"),
      h("dd", {}, h("code", {}, tenant.body.cleverDistrictId)),
      h("dt", {}, "Schedule"),
      h("dd", {}, h("code", {}, tenant.body.syncSchedule), row?.nextScheduledRun ? [" — next ", when(row.nextScheduledRun)] : null),
      h("dt", {}, "Token"),
      h("dd", {}, row?.keeper?.state ? [statusText(row.keeper.state), " fingerprint ", h("code", {}, row.keeper.fingerprint ?? "—"), row.keeper.expiresAt ? [", expires ", when(row.keeper.expiresAt)] : null] : "no token keeper running"),
      row?.keeper?.lastError ? [h("dt", {}, "Token error"), h("dd", { class: "status bad" }, row.keeper.lastError)] : null,
      h("dt", {}, "Quarantined records"),
      h("dd", {}, number(row?.quarantined)),
      h("dt", {}, "Held deletions"),
      h("dd", {}, row?.held ? h("a", { href: "#/held" }, `${row.held} run(s) waiting for review`) : "none"),
    ),
    actions,
    h("h2", { id: "progress-title" }, "Current sync"),
    progress,
    runsSection,
  );
  progress.replaceChildren(h("p", { class: "muted" }, "No sync is running."));
  drawRuns(runs.body.runs);
  if (row?.runningInstanceId) watch(row.runningInstanceId).catch((error) => page.say(error.message));
}

function progressView(status) {
  const p = status.progress ?? {};
  const resources = Object.entries(p.resources ?? {});
  const done = resources.filter(([, r]) => r.state === "done").length;
  return [
    h("p", {}, statusText(status.runtimeStatus), " ", h("code", {}, status.instanceId), p.phase ? ` — ${p.phase}` : "", ` — ${number(p.records ?? 0)} records`),
    resources.length ? h("progress", { max: resources.length, value: done, "aria-label": `${done} of ${resources.length} resources done` }) : null,
    h(
      "ul",
      { class: "progress-list" },
      resources.map(([name, r]) => h("li", {}, h("strong", {}, name), " ", statusText(r.state === "done" ? "completed" : r.state), h("div", { class: "muted" }, `${number(r.records ?? 0)} records, ${number(r.pages ?? 0)} pages`))),
    ),
    p.lastError ? h("p", { class: "status bad" }, `Last error: ${p.lastError}`) : null,
  ];
}

function totalRecords(run) {
  return Object.values(run.counts ?? {}).reduce((sum, c) => sum + (typeof c?.records === "number" ? c.records : typeof c?.events === "number" ? c.events : 0), 0);
}

function runsView(runs) {
  const chronological = [...runs].reverse();
  const points = chronological.map((run) => ({ label: run.runId, records: totalRecords(run), seconds: duration(run.startedAt, run.finishedAt) }));
  const rows = runs.map((run) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, h("code", {}, run.runId)),
      h("td", {}, run.mode),
      h("td", {}, statusText(run.status), run.error ? h("div", { class: "status bad" }, run.error) : null),
      h("td", {}, when(run.startedAt)),
      h("td", { class: "num" }, seconds(duration(run.startedAt, run.finishedAt))),
      h("td", { class: "num" }, number(totalRecords(run))),
      h("td", {}, resourceDetails(run.counts)),
    ),
  );
  return [
    h("h2", { id: "runs-title" }, "Recent runs"),
    runs.length ? h("figure", { class: "chart" }, runsChart(points), h("figcaption", { class: "muted" }, "Bars: records per run. Line: duration.")) : null,
    runs.length ? table("Newest first", ["Run", "Mode", "Status", "Started", { label: "Duration", num: true }, { label: "Records", num: true }, "Per resource"], rows) : h("p", {}, "No runs yet."),
  ];
}

function resourceDetails(counts) {
  const entries = Object.entries(counts ?? {}).filter(([, c]) => c && typeof c === "object");
  if (!entries.length) return "—";
  return h(
    "details",
    {},
    h("summary", {}, `${entries.length} resource(s)`),
    h(
      "ul",
      {},
      entries.map(([name, c]) =>
        h("li", {}, h("strong", {}, name), ": ", typeof c.records === "number" ? `${number(c.records)} records (${number(c.inserted)} new, ${number(c.updated)} updated, ${number(c.deleted)} deleted, ${number(c.quarantined)} quarantined)${typeof c.durationMs === "number" ? `, ${seconds(c.durationMs / 1000)}` : ""}` : `${number(c.events)} events`),
      ),
    ),
  );
}

import { api, ApiError } from "../api.js";
import { h, number, table, when } from "../dom.js";

/**
 * Held runs of every tenant the caller can see: what each would delete and why it was held, with
 * Approve / Reject for operators (each decision is audited by the API, with an optional note).
 */
export async function renderHeld(main, page) {
  const { body } = await api("overview");
  const lists = await Promise.all(body.tenants.map(async (t) => ({ tenant: t, held: (await api(`tenants/${t.id}/held`)).body.held })));
  const waiting = lists.flatMap(({ tenant, held }) => held.map((run) => ({ tenant, run })));
  main.replaceChildren(
    h("h1", {}, "Held deletions"),
    h("p", { class: "muted" }, "A full sync that would delete or change more than its tenant's thresholds applies its inserts and updates and waits here for a decision about its deletions."),
    ...(waiting.length === 0 ? [h("p", {}, "Nothing is waiting for review.")] : waiting.map(({ tenant, run }) => heldRunView(page, tenant, run))),
  );
}

function heldRunView(page, tenant, run) {
  const titleId = `held-${run.runId.replace(/[^A-Za-z0-9-]/g, "-")}`;
  const rows = Object.entries(run.resources).map(([resource, r]) =>
    h("tr", {}, h("th", { scope: "row" }, resource), h("td", { class: "num" }, number(r.live)), h("td", { class: "num" }, number(r.wouldDelete)), h("td", { class: "num" }, number(r.updated)), h("td", { class: "num" }, number(r.enrollmentsHeld ?? 0))),
  );
  const samples = Object.entries(run.samples ?? {}).filter(([, ids]) => ids.length);
  const section = h(
    "section",
    { class: "held-run", "aria-labelledby": titleId },
    h("h2", { id: titleId }, `${tenant.displayName}: run `, h("code", {}, run.runId)),
    h("p", {}, "Held ", when(run.heldAt), ". Why:"),
    h("ul", {}, run.reasons.map((reason) => h("li", {}, reason))),
    table("What approving would change", ["Resource", { label: "Live rows", num: true }, { label: "Would delete", num: true }, { label: "Updated", num: true }, { label: "Sections with enrollments held", num: true }], rows),
    samples.length ? h("details", {}, h("summary", {}, "Sample of records approving would delete"), h("ul", {}, samples.map(([resource, ids]) => h("li", {}, h("strong", {}, resource), ": ", ids.map((id) => h("code", {}, id, " ")))))) : null,
  );
  if (!page.may("operate", tenant.id)) {
    section.append(h("p", { class: "muted" }, "Only operators can approve or reject."));
    return section;
  }
  const noteId = `${titleId}-note`;
  const note = h("input", { id: noteId, type: "text", name: "note", maxlength: 500, autocomplete: "off" });
  const decide = (decision, label, className) => {
    const button = h("button", { type: "button", class: className }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const result = (await api(`tenants/${tenant.id}/held/${encodeURIComponent(run.runId)}/${decision}`, { method: "POST", body: note.value.trim() ? { note: note.value.trim() } : {} })).body;
        const deleted = Object.values(result.deleted ?? {}).reduce((sum, n) => sum + n, 0);
        // Re-render first: rendering clears the notice.
        await page.render();
        page.say(`Run ${run.runId} ${result.status} by ${result.decidedBy}${decision === "approve" ? `: ${deleted} record(s) deleted` : ": records kept"}.`, "info");
      } catch (error) {
        page.say(error instanceof ApiError ? `${error.problem?.title ?? "Refused"}: ${error.message}` : error.message);
        button.disabled = false;
      }
    });
    return button;
  };
  section.append(
    h("div", { class: "actions", role: "group", "aria-label": `Decide run ${run.runId}` }, h("label", { for: noteId }, "Note (optional)"), note, decide("approve", "Approve deletions", "danger"), decide("reject", "Reject (keep records)", "secondary")),
  );
  return section;
}

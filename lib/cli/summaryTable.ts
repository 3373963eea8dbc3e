import type { ResourceResult } from "../sync/types";

const COLUMNS: [keyof ResourceResult, string][] = [
  ["resource", "resource"],
  ["records", "records"],
  ["inserted", "created"],
  ["updated", "updated"],
  ["unchanged", "unchanged"],
  ["deleted", "deleted"],
  ["quarantined", "quarantined"],
  ["pages", "pages"],
];

/** A plain-text table of per-resource counts (what a district IT person checks after a sync). */
export function summaryTable(results: readonly ResourceResult[]): string {
  const rows = results.map((r) => COLUMNS.map(([key]) => String(r[key])));
  const totals = COLUMNS.map(([key], i) => (i === 0 ? "total" : String(results.reduce((sum, r) => sum + Number(r[key]), 0))));
  const all = [COLUMNS.map(([, title]) => title), ...rows, totals];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line), line(totals)].join("\n");
}

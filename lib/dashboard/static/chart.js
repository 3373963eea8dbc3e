import { s } from "./dom.js";

/**
 * Records (bars, left axis) and duration (line, right axis) of recent runs, oldest on the left.
 * Plain SVG with a text alternative: the same numbers are in the runs table below it.
 */
export function runsChart(points) {
  const width = 640;
  const height = 200;
  const pad = { left: 48, right: 48, top: 12, bottom: 24 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const maxRecords = Math.max(1, ...points.map((p) => p.records));
  const maxSeconds = Math.max(1, ...points.map((p) => p.seconds ?? 0));
  const step = plotW / Math.max(1, points.length);
  const x = (i) => pad.left + i * step + step / 2;
  const yRecords = (v) => pad.top + plotH - (v / maxRecords) * plotH;
  const ySeconds = (v) => pad.top + plotH - (v / maxSeconds) * plotH;
  const line = points
    .map((p, i) => (p.seconds === null ? null : `${x(i)},${ySeconds(p.seconds)}`))
    .filter(Boolean)
    .join(" ");
  return s(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "chart-title" },
    s("title", { id: "chart-title" }, `Records and duration of the last ${points.length} runs`),
    s("line", { x1: pad.left, y1: pad.top + plotH, x2: width - pad.right, y2: pad.top + plotH, stroke: "#4a5360" }),
    ...points.map((p, i) => s("rect", { class: "legend-records", x: x(i) - step * 0.3, width: step * 0.6, y: yRecords(p.records), height: pad.top + plotH - yRecords(p.records) }, s("title", {}, `${p.label}: ${p.records} records`))),
    s("polyline", { points: line, fill: "none", class: "legend-duration", "stroke-width": 2 }),
    s("text", { x: 4, y: pad.top + 10, "font-size": 11, fill: "#0b57d0" }, `${maxRecords.toLocaleString("en-US")} rec`),
    s("text", { x: width - pad.right + 4, y: pad.top + 10, "font-size": 11, fill: "#7d4e00" }, `${maxSeconds.toFixed(1)} s`),
  );
}

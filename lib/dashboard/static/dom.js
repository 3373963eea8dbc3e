// DOM helpers: every piece of data goes in as text (textContent / attributes), never as HTML,
// so a tenant name or an error message from the API cannot inject markup.

/** h("a", { href: "#/" }, "Tenants") → <a href="#/">Tenants</a>. Children: strings, nodes, arrays, null. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** SVG elements need their namespace. */
export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A table whose cells carry their column's name (data-label), so phones can show each row as a card. */
export function table(caption, headers, rows) {
  const labels = headers.map((header) => header.label ?? header);
  for (const row of rows) [...row.children].forEach((cell, index) => cell.setAttribute("data-label", labels[index] ?? ""));
  // A wide table scrolls sideways inside its wrapper: keyboard users reach it with Tab (WCAG 2.1.1).
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h(
      "table",
      {},
      h("caption", { class: "muted" }, caption),
      h("thead", {}, h("tr", {}, headers.map((header) => h("th", { scope: "col", class: header.num ? "num" : undefined }, header.label ?? header)))),
      h("tbody", {}, rows),
    ),
  );
}

export const number = (value) => (typeof value === "number" ? value.toLocaleString("en-US") : "—");

/** The server's clock minus the browser's (from the overview's generatedAt), so "ago" follows the app's time. */
let clockOffsetMs = 0;
export function setServerTime(iso) {
  clockOffsetMs = new Date(iso).getTime() - Date.now();
}

/** "3 min ago" / "in 2 h" beside the exact UTC time in a <time> element. */
export function when(iso, now = Date.now() + clockOffsetMs) {
  if (!iso) return "—";
  const date = new Date(iso);
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 5) return h("time", { datetime: date.toISOString(), title: date.toISOString() }, "just now");
  const amount = abs < 90 ? `${abs} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : abs < 172800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return h("time", { datetime: date.toISOString(), title: date.toISOString() }, seconds < 0 ? `${amount} ago` : `in ${amount}`);
}

export function duration(startIso, endIso) {
  if (!startIso || !endIso) return null;
  return Math.max(0, (new Date(endIso).getTime() - new Date(startIso).getTime()) / 1000);
}

export const seconds = (value) => (value === null || value === undefined ? "—" : value < 90 ? `${value.toFixed(1)} s` : `${(value / 60).toFixed(1)} min`);

/** Status words get a colour class and keep the word itself (colour is never the only signal). */
export function statusText(text) {
  const word = String(text ?? "unknown");
  const tone = /^(completed|valid|healthy|running|approved)$/i.test(word) ? "ok" : /^(failed|failing|unhealthy|interrupted|terminated|rejected)$/i.test(word) ? "bad" : "warn";
  return h("span", { class: `status ${tone}` }, word);
}

/**
 * The host's JSON handling of what a JS orchestrator or activity returns. The extension parses the
 * orchestrator's result with `JObject.Parse` (TaskOrchestrationShim.OrchestrationInvocationResult
 * .ParseOOProcResult) and the Functions host parses JSON return values with JsonConvert defaults:
 * both use Newtonsoft's DateParseHandling.DateTime, so a string value that looks like an ISO date
 * becomes a DateTime and is written back in Newtonsoft's own format. That is how activity inputs
 * and outputs, orchestration output, custom status and continueAsNew input reach their readers
 * on Azure (azure-functions-durable-js#249, #264; durable-extension #1732).
 *
 * Emulated from JamesNK/Newtonsoft.Json: Utilities/DateTimeUtils.cs `TryParseDateTime`
 * (19..40 chars, a digit first, 'T' at index 10), Utilities/DateTimeParser.cs (1..7 fraction
 * digits, zone Z | ±HH[[:]mm]), and IsoDateFormat "yyyy-MM-ddTHH:mm:ss.FFFFFFFK" for writing:
 * trailing fraction zeros dropped, UTC as "Z", an offset turned into local time ("+00:00" on an
 * Azure worker, whose clock is UTC), no zone kept without one.
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

export function hostDateText(text: string): string {
  if (text.length < 19 || text.length > 40 || !/\d/.test(text[0]) || text[10] !== "T") return text;
  const m = ISO.exec(text);
  if (!m) return text;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return text;
  if (hour > 24 || minute > 59 || second > 59 || (hour === 24 && (minute || second || Number(m[7] ?? 0)))) return text;
  const ticks = Number((m[7] ?? "").padEnd(7, "0") || "0"); // 100 ns units
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  let suffix = "";
  if (m[8]) suffix = "Z";
  else if (m[9]) {
    const offset = (Number(m[10]) * 60 + Number(m[11] ?? 0)) * 60_000;
    ms -= m[9] === "+" ? offset : -offset;
    suffix = "+00:00";
  }
  return format(ms, ticks) + suffix;
}

/** Every string value of a JSON value through `hostDateText` (property names are never dates). */
export function hostJsonRoundTrip<T>(value: T): T {
  if (typeof value === "string") return hostDateText(value) as T;
  if (Array.isArray(value)) return value.map((item) => hostJsonRoundTrip(item)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = hostJsonRoundTrip(item);
    return out as T;
  }
  return value;
}

function format(ms: number, ticks: number): string {
  const d = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const fraction = ticks ? `.${String(ticks).padStart(7, "0").replace(/0+$/, "")}` : "";
  return base + fraction;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

import { HttpResponseInit } from "@azure/functions";
import { livenessReport } from "./liveness";
import { httpStatusFor } from "./report";

const startedAt = Date.now();

export function healthResponse(): HttpResponseInit {
  const report = livenessReport(startedAt);
  return { status: httpStatusFor(report), jsonBody: report, headers: { "cache-control": "no-store" } };
}

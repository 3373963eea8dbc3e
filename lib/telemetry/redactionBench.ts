/**
 * Micro benchmark of the redactor: how long one message / one property bag takes, with and without
 * secrets in it, with 100 known secrets registered. A script, not a test: timings vary by machine.
 *
 *   npx tsc -p tsconfig.json && node dist/lib/telemetry/redactionBench.js
 */
import { createRedactor, type Redactor } from "./redactor";

interface BenchResult {
  case: string;
  nsPerOp: number;
  opsPerSecond: number;
}

function measure(name: string, iterations: number, operation: () => unknown): BenchResult {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) operation(); // warm up the JIT and regex caches
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const result = operation();
    if (typeof result === "string") sink += result.length;
  }
  const elapsedNs = Number(process.hrtime.bigint() - started);
  if (sink < 0) console.log(sink); // keeps the results alive
  const nsPerOp = elapsedNs / iterations;
  return { case: name, nsPerOp: Math.round(nsPerOp), opsPerSecond: Math.round(1e9 / nsPerOp) };
}

export function runRedactionBenchmark(iterations = 200_000): BenchResult[] {
  const redactor: Redactor = createRedactor();
  for (let i = 0; i < 100; i++) redactor.addSecret(`known-secret-${i}-${"x".repeat(24)}`);
  const clean = "Synced page 12 of users for tenant district-7 (run 2024-05-01T10:00:00Z): 500 records in 312 ms, next starting_after=5f1a2b3c4d5e6f7a8b9c0d1e";
  const dirty =
    'GET https://api.clever.com/v3.0/users?access_token=abc123def456ghi789 failed: Authorization: Bearer 0123456789abcdef0123456789abcdef, body {"client_secret":"s3cr3t-value-here"} known-secret-42-xxxxxxxxxxxxxxxxxxxxxxxx';
  const properties = {
    tenantId: "district-7",
    instanceId: "sync:district-7:20240501T100000Z",
    resource: "users",
    page: 12,
    request: { url: "https://api.clever.com/v3.0/users?limit=500", headers: { authorization: "Bearer 0123456789abcdef0123456789abcdef" } },
  };
  return [
    measure("message without secrets (150 chars)", iterations, () => redactor.redact(clean)),
    measure("message with 4 kinds of secrets (220 chars)", iterations, () => redactor.redact(dirty)),
    measure("property bag, 5 keys, nested headers", iterations, () => redactor.redactProperties(properties)),
  ];
}

if (require.main === module) {
  const iterations = Number(process.argv[2] ?? 200_000);
  console.log(`redactor micro benchmark (Node ${process.version}, ${iterations} iterations each, 100 known secrets registered)`);
  console.table(runRedactionBenchmark(iterations));
}

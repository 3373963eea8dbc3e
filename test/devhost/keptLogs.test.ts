/**
 * A long-running host keeps only its newest log entries in `logs` (lib/devhost/devHost.ts): every
 * entry still reaches onLog, but memory does not grow with the weeks a `cleversync start` runs.
 */
import * as df from "durable-functions";
import type { InvocationContext } from "@azure/functions";
import type { OrchestrationContext } from "durable-functions";
import { DevHost } from "../../lib/devhost";

df.app.activity("keptLogsChatty", {
  handler: async (lines: number, context: InvocationContext) => {
    for (let i = 1; i <= lines; i++) context.log(`line ${i}`);
    return lines;
  },
});
df.app.orchestration("keptLogsRun", function* (context: OrchestrationContext) {
  return yield context.df.callActivity("keptLogsChatty", context.df.getInput<number>());
});

test("logs keeps at most keptLogs entries, the newest; onLog sees every one", async () => {
  const seen: string[] = [];
  const host = await DevHost.start({ keptLogs: 10, onLog: (entry) => seen.push(entry.message) });
  try {
    const status = await host.runToCompletion(host.startNew("keptLogsRun", { input: 50 }));
    expect(status.runtimeStatus).toBe("Completed");
    const lines = (messages: string[]) => messages.filter((m) => /^line \d+$/.test(m));
    expect(lines(seen)).toHaveLength(50);
    expect(host.logs.length).toBeLessThanOrEqual(10);
    expect(lines(host.logs.map((e) => e.message)).pop()).toBe("line 50");
  } finally {
    await host.stop();
  }
});

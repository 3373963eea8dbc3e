/**
 * Where a run's time went, from durable histories. The sync runs each resource as a
 * sub-orchestration (`syncResourceRun`), so the root's history only shows its own activities
 * (planSyncRun, finishSyncRun) and the sub-orchestrations as wholes; each child's history holds
 * that resource's activities. Spans are relative to the root's first event.
 */

export interface ActivitySpan {
  /** Activity or sub-orchestration name ("(failed)" appended when it failed). */
  name: string;
  resource?: string;
  /** "activity" in the orchestration it belongs to, or "sub-orchestration" for a child run as a whole. */
  kind: "activity" | "sub-orchestration";
  startMs: number;
  ms: number;
}

type History = ReadonlyArray<Record<string, unknown>>;

// Event types as DTFx numbers them (lib/devhost/history.ts, HistoryEventType).
const EXECUTION_STARTED = 0;
const TASK_SCHEDULED = 4;
const TASK_COMPLETED = 5;
const TASK_FAILED = 6;
const SUB_CREATED = 7;
const SUB_COMPLETED = 8;
const SUB_FAILED = 9;

function resourceOf(input: unknown): string | undefined {
  if (typeof input !== "string") return undefined;
  try {
    const parsed = JSON.parse(input) as { resource?: unknown };
    return typeof parsed?.resource === "string" ? parsed.resource : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Spans of every activity of `history` and, through `childHistory(instanceId)`, of every
 * sub-orchestration's activities (depth-first). A child's activities carry the child's resource
 * when their own input names none. A child whose history is unknown still yields its own span.
 */
export function activitySpans(history: History, childHistory: (instanceId: string) => History | undefined = () => undefined): ActivitySpan[] {
  const origin = Date.parse(String(history[0]?.Timestamp ?? 0));
  const spans: ActivitySpan[] = [];
  const walk = (events: History, inherited: string | undefined, depth: number) => {
    const started = events.find((e) => e.EventType === EXECUTION_STARTED);
    const own = resourceOf(started?.Input) ?? inherited;
    const scheduled = new Map<number, { name: string; resource?: string; at: number; child?: string }>();
    for (const event of events) {
      const at = Date.parse(String(event.Timestamp));
      if (event.EventType === TASK_SCHEDULED || event.EventType === SUB_CREATED) {
        scheduled.set(Number(event.EventId), {
          name: String(event.Name),
          resource: resourceOf(event.Input) ?? own,
          at,
          child: event.EventType === SUB_CREATED ? String(event.InstanceId) : undefined,
        });
      } else if (event.EventType === TASK_COMPLETED || event.EventType === TASK_FAILED || event.EventType === SUB_COMPLETED || event.EventType === SUB_FAILED) {
        const task = scheduled.get(Number(event.TaskScheduledId));
        if (!task) continue;
        const failed = event.EventType === TASK_FAILED || event.EventType === SUB_FAILED;
        spans.push({
          name: task.name + (failed ? " (failed)" : ""),
          resource: task.resource,
          kind: task.child === undefined ? "activity" : "sub-orchestration",
          startMs: task.at - origin,
          ms: at - task.at,
        });
        // Sub-orchestrations nest at most a few levels; the bound guards a malformed history.
        if (task.child !== undefined && depth < 8) {
          const child = childHistory(task.child);
          if (child) walk(child, task.resource, depth + 1);
        }
      }
    }
  };
  walk(history, undefined, 0);
  return spans;
}

/** One line for the log: `name(resource) @start ms +duration ms`, sub-orchestrations marked. */
export function formatSpans(spans: readonly ActivitySpan[]): string {
  return spans.map((s) => `${s.kind === "sub-orchestration" ? "[sub] " : ""}${s.name}${s.resource ? `(${s.resource})` : ""} @${s.startMs} ms +${s.ms} ms`).join(", ");
}

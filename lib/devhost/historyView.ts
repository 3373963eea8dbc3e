import { hostDateText } from "./hostJson";
import { eventTypeName, HistoryEvent, HistoryEventType } from "./history";

/**
 * The `historyEvents` of a status answer, shaped as the extension's DurableClient
 * `GetDurableOrchestrationStatusAsync` shapes them (azure-functions-durable-extension,
 * ContextImplementations/DurableClient.cs): EventType as its name, completions carrying the
 * FunctionName / ScheduledTime (/ Input) of the event that scheduled them, whose row is then
 * dropped with every OrchestratorStarted/OrchestratorCompleted row; results only with
 * showHistoryOutput (parsed), no EventId / IsPlayed.
 */
export function historyView(history: HistoryEvent[], options: { showHistoryOutput: boolean; showInput: boolean }): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = history.map((event) => ({ ...event }));
  const scheduled = new Map<string, { index: number; name: unknown; timestamp: string; input: unknown }>();
  const drop = new Set<number>();
  rows.forEach((row, index) => {
    const type = row.EventType as number;
    row.EventType = eventTypeName(type);
    switch (type) {
      case HistoryEventType.TaskScheduled:
      case HistoryEventType.SubOrchestrationInstanceCreated:
        scheduled.set(`${type}_${row.EventId}`, { index, name: row.Name, timestamp: String(row.Timestamp), input: row.Input });
        delete row.Version;
        break;
      case HistoryEventType.TaskCompleted:
      case HistoryEventType.TaskFailed:
      case HistoryEventType.SubOrchestrationInstanceCompleted:
      case HistoryEventType.SubOrchestrationInstanceFailed: {
        const from = type === HistoryEventType.TaskCompleted || type === HistoryEventType.TaskFailed ? HistoryEventType.TaskScheduled : HistoryEventType.SubOrchestrationInstanceCreated;
        const origin = scheduled.get(`${from}_${row.TaskScheduledId}`);
        if (origin) {
          // `(DateTime)historyItem["Timestamp"]` re-serialized: local time with offset, "+00:00" on Azure.
          row.ScheduledTime = hostDateText(origin.timestamp).replace(/Z$/, "+00:00");
          row.FunctionName = origin.name;
          if (options.showInput) row.Input = origin.input;
          drop.add(origin.index);
        }
        delete row.TaskScheduledId;
        const completed = type === HistoryEventType.TaskCompleted || type === HistoryEventType.SubOrchestrationInstanceCompleted;
        if (completed) {
          if (!options.showHistoryOutput) delete row.Result;
          else row.Result = parseToJToken(row.Result);
        }
        break;
      }
      case HistoryEventType.ExecutionStarted:
        row.FunctionName = row.Name;
        delete row.Name;
        delete row.OrchestrationInstance;
        delete row.ParentInstance;
        delete row.Version;
        delete row.Tags;
        break;
      case HistoryEventType.ExecutionCompleted:
        if (!options.showHistoryOutput) delete row.Result;
        else row.Result = parseToJToken(row.Result);
        break;
      case HistoryEventType.TimerFired:
        delete row.TimerId;
        break;
      case HistoryEventType.OrchestratorStarted:
      case HistoryEventType.OrchestratorCompleted:
        drop.add(index);
        break;
      default:
        break;
    }
    if (!options.showInput) delete row.Input;
    delete row.EventId;
    delete row.IsPlayed;
  });
  return rows.filter((_, index) => !drop.has(index));
}

/** DurableClient.ParseToJToken: JSON when it parses, the raw text otherwise (terminate reasons). */
function parseToJToken(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (!text.length) return "";
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

import { CronExpressionParser } from "cron-parser";
import { RegisteredFunction } from "./functionsCore";
import { triggerOf } from "./invoker";

export interface TimerTriggerInfo {
  fn: RegisteredFunction;
  schedule: string;
  runOnStartup: boolean;
}

/** Timer-triggered functions and their NCRONTAB schedules (six fields, seconds first, UTC). */
export function timerTriggers(functions: Map<string, RegisteredFunction>): TimerTriggerInfo[] {
  return [...functions.values()]
    .filter((fn) => triggerOf(fn).type.toLowerCase() === "timertrigger")
    .map((fn) => {
      const binding = triggerOf(fn).binding;
      return { fn, schedule: String(binding.schedule), runOnStartup: Boolean(binding.runOnStartup) };
    });
}

export function nextOccurrence(schedule: string, after: number): number {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(`Timer schedule "${schedule}" must be an NCRONTAB expression with six fields (second minute hour day month day-of-week).`);
  }
  return CronExpressionParser.parse(schedule, { currentDate: new Date(after), tz: "UTC" }).next().getTime();
}

/** The payload the host passes to a timer trigger (the worker camel-cases it). */
export function timerPayload(last: number | undefined, next: number, isPastDue: boolean): Record<string, unknown> {
  return {
    Schedule: { AdjustForDST: true },
    ScheduleStatus: { Last: new Date(last ?? 0).toISOString(), Next: new Date(next).toISOString(), LastUpdated: new Date().toISOString() },
    IsPastDue: isPastDue,
  };
}

/** Fires timer triggers on the wall clock while the devhost serves. */
export class TimerTriggerScheduler {
  readonly #handles = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(
    private readonly triggers: TimerTriggerInfo[],
    private readonly invoke: (fn: RegisteredFunction, payload: Record<string, unknown>) => Promise<void>,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    for (const trigger of this.triggers) {
      nextOccurrence(trigger.schedule, Date.now()); // validate at start, not at first fire
      if (trigger.runOnStartup) void this.#fire(trigger, undefined);
      this.#arm(trigger, undefined);
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const handle of this.#handles) clearTimeout(handle);
    this.#handles.clear();
  }

  #arm(trigger: TimerTriggerInfo, last: number | undefined): void {
    if (this.#stopped) return;
    const next = nextOccurrence(trigger.schedule, Date.now());
    const handle = setTimeout(() => {
      this.#handles.delete(handle);
      void this.#fire(trigger, last).finally(() => this.#arm(trigger, next));
    }, Math.max(0, next - Date.now()));
    handle.unref();
    this.#handles.add(handle);
  }

  async #fire(trigger: TimerTriggerInfo, last: number | undefined): Promise<void> {
    try {
      await this.invoke(trigger.fn, timerPayload(last, nextOccurrence(trigger.schedule, Date.now()), false));
    } catch (error) {
      this.onError(`Timer function '${trigger.fn.metadata.name}' failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * DTFx history events as the Durable extension serializes them for out-of-proc workers
 * (Newtonsoft, PascalCase, integer EventType). A golden test pins these numbers against the
 * installed durable-functions library.
 */
export const HistoryEventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type HistoryEventTypeValue = (typeof HistoryEventType)[keyof typeof HistoryEventType];

export interface HistoryEvent {
  EventType: HistoryEventTypeValue;
  /** Sequence id for scheduling events, -1 otherwise (as DTFx). */
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export function historyEvent(type: HistoryEventTypeValue, at: number, fields: Record<string, unknown> = {}, eventId = -1): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: new Date(at).toISOString(), ...fields };
}

export function eventTypeName(type: number): string {
  return Object.entries(HistoryEventType).find(([, value]) => value === type)?.[0] ?? `Unknown(${type})`;
}

/** The host hands activities/events their payloads as JSON text; `undefined` stays absent. */
export function toJsonText(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

/**
 * Custom status is limited by the host to 16 KB as UTF-16 (the extension's
 * DurableOrchestrationContext.SetCustomStatus → MessagePayloadDataConverter.Serialize(value, 16));
 * over it, the orchestration FAILS. Every product status is built from bounded parts so its worst
 * case stays far below that.
 */
export const CUSTOM_STATUS_LIMIT_BYTES = 16 * 1024;
/** What the product's statuses may use at most: a quarter of the host's limit. */
export const CUSTOM_STATUS_BUDGET_BYTES = 4 * 1024;

/** A free-text field cut to `max` characters, marked when cut. */
export function boundedText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** The UTF-16 size the host measures: two bytes per JS code unit of the compact JSON. */
export function customStatusBytes(status: unknown): number {
  return JSON.stringify(status).length * 2;
}

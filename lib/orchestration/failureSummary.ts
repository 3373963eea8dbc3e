/**
 * The readable part of a failed activity as the orchestrator sees it: the first line, without
 * the host's "Activity function 'x' failed:" wrapper or the serialized details after it.
 */
export function failureSummary(error: unknown, maxLength = 300): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split("\n")[0].replace(/^Activity function '[^']+' failed:\s*/, "").trim();
  return line.length > maxLength ? `${line.slice(0, maxLength - 3)}...` : line;
}

/**
 * NCRONTAB checks for tenant sync schedules. Azure Functions timers use six fields
 * (`{second} {minute} {hour} {day} {month} {day-of-week}`); a five-field Unix cron is the
 * usual mistake, so it gets its own message. Ranges and steps are checked with cron-parser,
 * the library the scheduler uses to compute due times, so "valid here" means "schedulable".
 */
import { CronExpressionParser } from "cron-parser";

export const NCRONTAB_FIELDS = ["second", "minute", "hour", "day", "month", "day-of-week"] as const;

export const NCRONTAB_FIX = 'use six space-separated fields "{second} {minute} {hour} {day} {month} {day-of-week}", e.g. "0 0 */6 * * *" for every 6 hours';

// NCRONTAB knows numbers, `*`, `,`, `-`, `/` and (month, day-of-week) three-letter names; not
// the Quartz extras (`?`, `L`, `W`, `#`, `H`) that cron-parser would otherwise accept.
const NUMERIC_FIELD = /^[0-9*,/-]+$/;
const NAMED_FIELD = /^[0-9A-Za-z*,/-]+$/;
const NAMES: Record<string, readonly string[]> = {
  month: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  "day-of-week": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

/** Returns what is wrong with an NCRONTAB expression, or undefined when it is valid. */
export function ncrontabProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== NCRONTAB_FIELDS.length) {
    const hint = fields.length === 5 ? " (looks like a 5-field Unix cron: add the seconds field first)" : "";
    return `has ${fields.length} field${fields.length === 1 ? "" : "s"}, NCRONTAB needs 6${hint}`;
  }
  for (const [index, field] of fields.entries()) {
    const name = NCRONTAB_FIELDS[index];
    const names = NAMES[name];
    if (!(names ? NAMED_FIELD : NUMERIC_FIELD).test(field)) return `${name} field "${field}" has characters NCRONTAB does not allow`;
    const unknownName = (field.match(/[A-Za-z]+/g) ?? []).find((word) => !names?.includes(word.toLowerCase()));
    if (unknownName !== undefined) return `${name} field "${field}" has unknown name "${unknownName}"`;
  }
  try {
    CronExpressionParser.parse(fields.join(" "));
  } catch (error) {
    return `is not a valid schedule: ${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

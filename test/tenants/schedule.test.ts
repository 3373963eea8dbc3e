/** NCRONTAB validation of tenant sync schedules (pure; no storage). */
import { ncrontabProblem } from "../../lib/tenants";

describe("ncrontabProblem", () => {
  it.each([
    "0 0 */6 * * *",
    "0 */5 * * * *",
    "30 15 2 * * 1-5",
    "0 0 0 1 JAN,jul *",
    "0 0 9 * * Mon-Fri",
    "0 0,30 8-17 * * *",
    "  0 0 */6 * * *  ",
  ])("accepts %p", (expression) => {
    expect(ncrontabProblem(expression)).toBeUndefined();
  });

  it.each([
    ["0 */6 * * *", /has 5 fields, NCRONTAB needs 6 \(looks like a 5-field Unix cron/],
    ["0", /has 1 field,/],
    ["0 0 0 * * * *", /has 7 fields/],
    ["0 0 0 * * MON#2", /day-of-week field .*characters/],
    ["0 0 0 LW * *", /day field .*characters/],
    ["0 0 0 * * FUNDAY", /unknown name "FUNDAY"/],
    ["0 0 0 31 2 *", /day of month/], // February 31st never comes: the tenant would never sync
    ["0 60 * * * *", /0-59/],
    ["0 0 0 0 * *", /1-31/],
    ["0 5-3 * * * *", /Invalid range/],
    ["0 1,,2 * * * *", /not a valid schedule/],
  ])("explains what is wrong with %p", (expression, problem) => {
    expect(ncrontabProblem(expression)).toMatch(problem);
  });
});

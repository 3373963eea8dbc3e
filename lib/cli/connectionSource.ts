/**
 * Where `--mssql` takes its connection string from. Command lines are visible to every user of
 * the machine (`ps`, /proc/<pid>/cmdline), so the string itself is refused there: the flag names
 * an environment variable (`env:NAME`) or, without a value, means the SQL_CONNECTION setting.
 */
import { InvalidArgumentError } from "commander";

/**
 * Sets SQL_CONNECTION from the flag's source and returns a description of that source for the
 * start line (never the value).
 */
export function applyMssqlOption(value: string | true, env: NodeJS.ProcessEnv): string {
  if (value === true) {
    if (!env.SQL_CONNECTION?.trim()) {
      throw new InvalidArgumentError("--mssql without a value uses the SQL_CONNECTION setting, which is not set. Fix: set SQL_CONNECTION (environment or local.settings.json), or pass --mssql env:NAME naming an environment variable that holds the connection string.");
    }
    return "SQL_CONNECTION";
  }
  const match = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value.trim());
  if (!match) {
    // Not echoed: it is most likely the connection string, password included.
    throw new InvalidArgumentError(
      "--mssql takes env:NAME (an environment variable holding the connection string), not the connection string itself: a command line is visible to every user of this machine (ps). " +
        "Fix: export MY_SQL='Server=...;Password=...' and pass --mssql env:MY_SQL, or set SQL_CONNECTION and pass --mssql alone.",
    );
  }
  const name = match[1]!;
  const connection = env[name];
  if (!connection?.trim()) throw new InvalidArgumentError(`--mssql env:${name}: the environment variable ${name} is not set or empty. Fix: export ${name}='Server=...' first.`);
  env.SQL_CONNECTION = connection;
  return `--mssql env:${name}`;
}

/**
 * A small interpreter of the T-SQL DDL in lib/store/migrations/mssql.ts: replays CREATE TABLE,
 * ALTER TABLE ... ADD / ALTER COLUMN / DROP COLUMN and ALTER SCHEMA ... TRANSFER in order and
 * returns the final tables and columns (type, collation, nullability). There is no SQL Server
 * here, so static checks of the *final* schema read it from this model. A table-changing form it
 * does not understand throws, so a new migration cannot slip past the checks unread.
 */

export interface ColumnModel {
  name: string;
  /** Upper-case type with its length, e.g. NVARCHAR(64), DATETIME2(3), BIT. */
  type: string;
  /** Explicit COLLATE clause, or null for the database default. */
  collation: string | null;
  nullable: boolean;
}

/** Tables keyed "schema.table" (unbracketed). */
export type SchemaModel = Map<string, ColumnModel[]>;

const NAME = String.raw`(?:\[?\w+\]?\.)?\[?\w+\]?`;

function tableKey(name: string): string {
  const parts = name.replace(/[[\]]/g, "").split(".");
  return parts.length === 2 ? `${parts[0]}.${parts[1]}` : `dbo.${parts[0]}`;
}

/** "[name] TYPE(...) [COLLATE x] ... [NOT] NULL ..." → column, or undefined for constraints. */
function parseColumn(definition: string): ColumnModel | undefined {
  const match = /^\s*\[?(\w+)\]?\s+(\w+(?:\s*\([^)]*\))?)(?:\s+COLLATE\s+(\w+))?(.*)$/is.exec(definition);
  if (!match || /^(CONSTRAINT|PRIMARY|UNIQUE|INDEX|CHECK|FOREIGN)$/i.test(match[1]!)) return undefined;
  const rest = match[4] ?? "";
  return { name: match[1]!, type: match[2]!.replace(/\s+/g, "").toUpperCase(), collation: match[3] ?? null, nullable: !/\bNOT\s+NULL\b/i.test(rest.replace(/CHECK\s*\(.*$/is, "")) };
}

/** Splits a column list at top-level commas. */
function splitTopLevel(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of body) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  if (current.trim()) out.push(current);
  return out;
}

function table(model: SchemaModel, name: string, statement: string): ColumnModel[] {
  const columns = model.get(tableKey(name));
  if (!columns) throw new Error(`DDL model: ${tableKey(name)} does not exist in:\n${statement}`);
  return columns;
}

export function replayDdl(statements: readonly string[]): SchemaModel {
  const model: SchemaModel = new Map();
  for (const statement of statements) {
    // Dynamic SQL (sp_executesql over catalog views) is not schema-shaping here; strip string literals first.
    const text = statement.replace(/N?'(?:[^']|'')*'/g, "''");
    for (const m of text.matchAll(new RegExp(String.raw`CREATE\s+TABLE\s+(${NAME})\s*\(([\s\S]*?)\n\);`, "gi"))) {
      if (m[1]!.includes("#")) continue;
      model.set(tableKey(m[1]!), splitTopLevel(m[2]!).flatMap((d) => parseColumn(d) ?? []));
    }
    for (const m of text.matchAll(new RegExp(String.raw`ALTER\s+TABLE\s+(${NAME})\s+([\s\S]*?);`, "gi"))) {
      const columns = table(model, m[1]!, statement);
      const action = m[2]!.trim();
      let a: RegExpExecArray | null;
      if ((a = /^ALTER\s+COLUMN\s+([\s\S]*)$/i.exec(action))) {
        const column = parseColumn(a[1]!);
        const index = columns.findIndex((c) => c.name === column?.name);
        if (!column || index < 0) throw new Error(`DDL model: cannot apply ${statement}`);
        columns[index] = column;
      } else if ((a = /^DROP\s+COLUMN\s+([\s\S]*)$/i.exec(action))) {
        for (const name of a[1]!.split(",").map((n) => n.trim().replace(/[[\]]/g, ""))) columns.splice(columns.findIndex((c) => c.name === name), 1);
      } else if ((a = /^ADD\s+([\s\S]*)$/i.exec(action))) {
        if (/^CONSTRAINT\b/i.test(a[1]!)) continue;
        for (const definition of splitTopLevel(a[1]!)) {
          const column = parseColumn(definition);
          if (!column) throw new Error(`DDL model: cannot read ADD in ${statement}`);
          columns.push(column);
        }
      } else if (!/^(DROP\s+CONSTRAINT|WITH\s+(NO)?CHECK|(NO)?CHECK\s+CONSTRAINT|REBUILD|SET\s*\()/i.test(action)) {
        throw new Error(`DDL model: unknown ALTER TABLE form in ${statement}`);
      }
    }
    for (const m of text.matchAll(new RegExp(String.raw`ALTER\s+SCHEMA\s+\[?(\w+)\]?\s+TRANSFER\s+(${NAME})`, "gi"))) {
      const from = tableKey(m[2]!);
      const columns = table(model, m[2]!, statement);
      model.delete(from);
      model.set(`${m[1]}.${from.split(".")[1]}`, columns);
    }
    if (/\bsp_rename\b/i.test(text)) throw new Error(`DDL model: sp_rename is not modelled; extend test/store/mssqlSchemaModel.ts for:\n${statement}`);
  }
  return model;
}

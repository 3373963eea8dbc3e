/**
 * Static check of the final SQL Server schema (all migrations replayed, see mssqlSchemaModel.ts):
 * every id column that can meet another in a join is binary-collated, so no join between a
 * clever_id and a reference column can fail with Msg 468 (collation conflict) or match ids that
 * differ only in case. The column set is derived from the schema, not listed here: every *_id
 * column of every table — including tables added later — counts, except the district's own
 * identifiers schema.ts declares (nonCleverIdColumns()).
 */
import { MSSQL_BOOTSTRAP, MSSQL_MIGRATIONS } from "../../lib/store/migrations/mssql";
import { allTables, nonCleverIdColumns, relationships } from "../../lib/store/schema";
import { replayDdl, type ColumnModel } from "./mssqlSchemaModel";

const BIN2 = "Latin1_General_100_BIN2";
const model = replayDdl([MSSQL_BOOTSTRAP, ...MSSQL_MIGRATIONS.flatMap((m) => m.statements)]);
const bare = new Map([...model].map(([key, columns]) => [key.split(".")[1]!, columns]));

function column(table: string, name: string): ColumnModel {
  const found = bare.get(table)?.find((c) => c.name === name);
  if (!found) throw new Error(`${table}.${name} is not in the final schema`);
  return found;
}

describe("SQL Server final schema: collation of Clever ids", () => {
  it("holds every table and column schema.ts describes (the model reads the migrations)", () => {
    for (const [table, columns] of Object.entries(allTables())) expect([table, bare.get(table)?.map((c) => c.name)]).toEqual([table, [...columns]]);
  });

  it("binary-collates every id column of every table", () => {
    const exempt = nonCleverIdColumns();
    const idColumns = [...model].flatMap(([table, columns]) => columns.filter((c) => (c.name === "clever_id" || c.name.endsWith("_id")) && !exempt.has(c.name)).map((c) => ({ table, ...c })));
    expect(idColumns.length).toBeGreaterThanOrEqual(25);
    const wrong = idColumns.filter((c) => !/^N?VARCHAR\(/.test(c.type) || c.collation !== BIN2).map((c) => `${c.table}.${c.name} ${c.type} ${c.collation ?? "(database default)"}`);
    expect(wrong).toEqual([]);
  });

  it("gives both sides of every relationship the same type and collation", () => {
    const rels = relationships();
    expect(rels.length).toBeGreaterThanOrEqual(18);
    for (const rel of rels) {
      const from = column(rel.table, rel.column);
      const to = column(rel.references, "clever_id");
      expect([`${rel.table}.${rel.column}`, from.type, from.collation]).toEqual([`${rel.table}.${rel.column}`, to.type, to.collation]);
      // tenant_id is the other half of every join.
      expect(column(rel.table, "tenant_id").collation).toBe(column(rel.references, "tenant_id").collation);
    }
  });
});

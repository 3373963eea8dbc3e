/**
 * Where the SQL Server dialect's tables live: the schema `clever`, so a district's own database can
 * hold them beside its own tables (dbo.users of a district and ours never meet). Every table name
 * in T-SQL is written with table(), statements and migrations alike.
 */
export const MSSQL_SCHEMA = "clever";

/** Bracket-quoted identifier; names come from schema.ts only, brackets just keep keywords safe. */
export const q = (name: string): string => `[${name}]`;

/** Schema-qualified, bracketed table name. */
export const table = (name: string): string => `${MSSQL_SCHEMA}.${q(name)}`;

/** A versioned schema change: statements run in order, in one transaction, then the version is recorded. */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** Versions must be unique and ascending; checked at load so a bad edit fails every test, not a deploy. */
export function checkedMigrations(migrations: readonly Migration[]): readonly Migration[] {
  migrations.forEach((migration, index) => {
    if (!Number.isInteger(migration.version) || migration.version !== index + 1) {
      throw new Error(`migration "${migration.name}" has version ${migration.version}; expected ${index + 1}`);
    }
  });
  return migrations;
}

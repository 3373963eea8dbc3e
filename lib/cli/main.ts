#!/usr/bin/env node
/**
 * `cleversync` command line. Each command lives in lib/cli/commands/<name>.ts and exports a
 * `register<Name>Command(program)`; add it to buildProgram below.
 */
import { Command } from 'commander';
import { registerHeldCommands } from './commands/held';
import { registerSimulateCommand } from './commands/simulate';
import { registerStartCommand } from './commands/start';
import { registerSyncCommand } from './commands/sync';
import { registerTenantCommands } from './commands/tenants';

/** The version in package.json (two levels up from lib/cli in both the source and dist/ layouts). */
function packageVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === 'cleversyncsos' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

export function buildProgram(): Command {
  const program = new Command('cleversync')
    .description('Keep Clever roster data in your own SQL database')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError();
  registerStartCommand(program);
  registerSyncCommand(program);
  registerTenantCommands(program);
  registerSimulateCommand(program);
  registerHeldCommands(program);
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`cleversync: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}

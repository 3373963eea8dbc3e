/**
 * `cleversync start`: the whole app on this machine — the devhost serving the app's own
 * functions (HTTP API, timers, orchestrations) on loopback, as `func start` would in Azure's tooling.
 */
import type { Command } from 'commander';
import { serveApp } from '../../devhost/serve';
import { parseIntIn } from '../options';
import { waitForStopSignal } from './simulate';

export interface StartOptions {
  port: number;
}

export function registerStartCommand(program: Command): Command {
  return program
    .command('start')
    .description('Run CleverSyncSOS locally: the functions host on 127.0.0.1 (no Azure needed)')
    .option('--port <port>', 'port for the functions host (0 picks a free one)', parseIntIn(0, 65535, 'port'), 7071)
    .action(async (options: StartOptions) => {
      const host = await serveApp({ port: options.port });
      console.log('Press Ctrl+C to stop.');
      const signal = await waitForStopSignal();
      await host.stop();
      console.log(`CleverSyncSOS stopped (${signal}).`);
    });
}

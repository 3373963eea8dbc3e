/**
 * Measures the simulator's memory while a client pages a whole 100k-user district.
 * Not a jest test (timing/memory assertions would be flaky); run it by hand:
 *
 *   out=$(mktemp -d) && npx tsc --outDir "$out" --rootDir . --module commonjs --target ES2022 \
 *     --strict --esModuleInterop --skipLibCheck --types node lib/cli/main.ts test/simulator/measureRss.ts \
 *   && NODE_PATH=$PWD/node_modules node "$out/test/simulator/measureRss.js" [users]
 *
 * The simulator runs as `cleversync simulate` in a child process, so its RSS is its own.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLEVER_ROSTER_RESOURCES, CleverClient, listDistrictTokens, staticTokenProvider } from '../../lib/clever';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../../lib/simulator';

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

async function main(): Promise<void> {
  const users = Number(process.argv[2] ?? 100_000);
  const cli = join(__dirname, '../../lib/cli/main.js');
  const child = spawn(process.execPath, [cli, 'simulate', '--port', '0', '--users', String(users), '--rate-limit', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('exit', () => reject(new Error('simulator exited')));
  });
  try {
    const idle = memoryOf(child.pid!);
    const [token] = await listDistrictTokens({ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET }, { baseUrl: url });
    const client = new CleverClient({ baseUrl: url, tokenProvider: staticTokenProvider(token!.accessToken), timeoutMs: 120_000 });
    const started = Date.now();
    let maxRss = idle.rssMb;
    const counts: Record<string, number> = {};
    let pages = 0;
    let bytes = 0;
    for (const resource of CLEVER_ROSTER_RESOURCES) {
      counts[resource] = 0;
      for await (const page of client.pages(resource)) {
        counts[resource] += page.records.length;
        pages++;
        bytes += page.bytes;
        maxRss = Math.max(maxRss, memoryOf(child.pid!).rssMb);
      }
    }
    const after = memoryOf(child.pid!);
    await client.close();
    console.log(JSON.stringify({
      users,
      records: counts,
      pages,
      responseMb: Math.round(bytes / 1024 / 1024),
      seconds: (Date.now() - started) / 1000,
      simulatorRssMb: { idle: idle.rssMb, maxSampledDuringSync: maxRss, afterSync: after.rssMb, peakVmHWM: after.peakMb },
    }, null, 2));
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CleverClient, listDistrictTokens, staticTokenProvider } from '../../lib/clever';
import { buildProgram } from '../../lib/cli/main';
import { runSimulate } from '../../lib/cli/commands/simulate';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../../lib/simulator';

const repoRoot = resolve(__dirname, '../..');

describe('cleversync simulate', () => {
  it('runSimulate serves a district and prints URL, client id and a demo-only notice (never the secret)', async () => {
    const lines: string[] = [];
    const running = await runSimulate({ port: 0, users: 300, seed: 4 }, { log: (line) => lines.push(line) });
    try {
      const output = lines.join('\n');
      expect(output).toContain(running.url);
      expect(output).toContain(DEMO_CLIENT_ID);
      expect(output).toMatch(/demo-only/);
      expect(output).not.toContain(DEMO_CLIENT_SECRET);
      const [token] = await listDistrictTokens({ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET }, { baseUrl: running.url });
      const client = new CleverClient({ baseUrl: running.url, tokenProvider: staticTokenProvider(token!.accessToken) });
      expect((await client.me()).data.id).toBe(running.districtId);
      let users = 0;
      for await (const page of client.pages('users')) users += page.records.length;
      expect(users).toBe(300);
      await client.close();
    } finally {
      await running.stop();
    }
  });

  it('is registered on the program with its options, and validates them', async () => {
    const program = buildProgram();
    const simulate = program.commands.find((command) => command.name() === 'simulate');
    expect(simulate).toBeDefined();
    expect(simulate!.options.map((option) => option.long)).toEqual(
      expect.arrayContaining(['--port', '--seed', '--users', '--rate-limit', '--error-rate', '--token-lifetime']),
    );
    program.exitOverride();
    simulate!.exitOverride();
    simulate!.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    await expect(program.parseAsync(['node', 'cleversync', 'simulate', '--port', 'http'])).rejects.toThrow(/--port must be a whole number/);
    await expect(program.parseAsync(['node', 'cleversync', 'simulate', '--users', '1'])).rejects.toThrow(/--users must be a whole number/);
  });

  describe('as a process', () => {
    let outDir: string;

    beforeAll(async () => {
      // Compile just the CLI and what it imports, so others' unfinished modules can't break this test.
      outDir = mkdtempSync(join(tmpdir(), 'cleversync-cli-'));
      await promisify(execFile)(
        process.execPath,
        [
          join(repoRoot, 'node_modules/typescript/bin/tsc'),
          '--outDir', outDir, '--rootDir', repoRoot, '--module', 'commonjs', '--target', 'ES2022',
          '--strict', '--esModuleInterop', '--skipLibCheck', '--types', 'node',
          join(repoRoot, 'lib/cli/main.ts'),
        ],
        { cwd: repoRoot },
      );
    }, 60_000);
    afterAll(() => rmSync(outDir, { recursive: true, force: true }));

    it('prints its URL, serves, and exits 0 on SIGTERM', async () => {
      const child = spawn(process.execPath, [join(outDir, 'lib/cli/main.js'), 'simulate', '--port', '0', '--users', '300'], {
        env: { ...process.env, NODE_PATH: join(repoRoot, 'node_modules') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${stderr}`)), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (match && stdout.includes('Press Ctrl+C')) {
            clearTimeout(timer);
            resolveUrl(match[1]!);
          }
        });
        child.on('exit', () => reject(new Error(`exited early; stderr: ${stderr}`)));
      });
      try {
        const tokens = await listDistrictTokens({ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET }, { baseUrl: url });
        const client = new CleverClient({ baseUrl: url, tokenProvider: staticTokenProvider(tokens[0]!.accessToken) });
        expect((await client.me()).type).toBe('district');
        await client.close();
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(stdout).toContain('Clever simulator stopped (SIGTERM)');
      expect(stdout).not.toContain(DEMO_CLIENT_SECRET);
    }, 30_000);
  });
});

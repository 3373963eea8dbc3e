import { CleverClient, listDistrictTokens, staticTokenProvider } from '../../lib/clever';
import { buildProgram } from '../../lib/cli/main';
import { runSimulate } from '../../lib/cli/commands/simulate';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../../lib/simulator';
import { spawnCli } from '../helpers/cliProcess';


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
    it('prints its URL, serves, and exits 0 on SIGTERM', async () => {
      const cli = spawnCli(['simulate', '--port', '0', '--users', '300']);
      const [, url] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*Press Ctrl\+C/);
      try {
        const tokens = await listDistrictTokens({ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET }, { baseUrl: url });
        const client = new CleverClient({ baseUrl: url, tokenProvider: staticTokenProvider(tokens[0]!.accessToken) });
        expect((await client.me()).type).toBe('district');
        await client.close();
      } finally {
        cli.child.kill('SIGTERM');
      }
      expect(await cli.exited).toBe(0);
      expect(cli.stdout()).toContain('Clever simulator stopped (SIGTERM)');
      expect(cli.stdout()).not.toContain(DEMO_CLIENT_SECRET);
    }, 30_000);
  });
});

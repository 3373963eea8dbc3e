import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const repoRoot = resolve(__dirname, "../..");
const cliPath = join(repoRoot, "dist/lib/cli/main.js");

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in stdout (rejects on early exit or timeout). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** Spawns the built `cleversync` CLI as a user would (npm test builds dist/ before jest runs). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = repoRoot): CliProcess {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first (npm test does).`);
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, ...env }, stdio: "pipe" });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on("exit", (code) => resolveExit(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolveMatch, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stdout: ${out}; stderr: ${err}`)), timeoutMs);
        const check = (): void => {
          const match = pattern.exec(out);
          if (match) {
            clearTimeout(timer);
            child.stdout.off("data", check);
            resolveMatch(match);
          }
        };
        child.stdout.on("data", check);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`exited (${code}) before printing ${pattern}; stderr: ${err}`));
        });
        check();
      });
    },
  };
}

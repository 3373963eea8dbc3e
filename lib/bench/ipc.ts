/**
 * The bench runs every scenario in its own child process (a fork of the compiled bench), so the
 * peak resident set of one scenario is its own. Parent and child talk over Node's IPC channel with
 * a tiny request/response protocol: the child registers named handlers, the parent calls them.
 */
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

export const CHILD_FLAG = "--bench-child";

type Handler = (params: unknown) => Promise<unknown> | unknown;

interface CallMessage {
  kind: "call";
  id: number;
  method: string;
  params: unknown;
}

interface ReplyMessage {
  kind: "reply";
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

interface ReadyMessage {
  kind: "ready";
}

type Message = CallMessage | ReplyMessage | ReadyMessage;

/** Peak and current resident set of this process, in MB (VmHWM/VmRSS on Linux, else resourceUsage). */
export function memoryNow(): { peakRssMb: number; rssMb: number } {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
    const peak = kb("VmHWM");
    const rss = kb("VmRSS");
    // VmHWM belongs to this process image; ru_maxrss can carry the forking parent's pages over exec.
    if (Number.isFinite(peak) && Number.isFinite(rss)) return { peakRssMb: round1(peak / 1024), rssMb: round1(rss / 1024) };
  } catch {
    // not Linux
  }
  return { peakRssMb: round1(process.resourceUsage().maxRSS / 1024), rssMb: round1(process.memoryUsage().rss / 1024 / 1024) };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** In a child: answer calls with these handlers. `exit` is built in: it reports memory and ends the process. */
export function serveChild(handlers: Record<string, Handler>): void {
  const send = (message: Message) => process.send?.(message);
  process.on("message", (raw: Message) => {
    if (raw.kind !== "call") return;
    const { id, method, params } = raw;
    const handler = method === "exit" ? async () => memoryNow() : handlers[method];
    if (!handler) {
      send({ kind: "reply", id, ok: false, error: `unknown bench method '${method}'` });
      return;
    }
    Promise.resolve()
      .then(() => handler(params))
      .then(
        (value) => {
          const reply: ReplyMessage = { kind: "reply", id, ok: true, value };
          // After `exit` the process ends once the reply is out, whatever handles are still open.
          if (method === "exit") process.send?.(reply, () => process.exit(0));
          else send(reply);
        },
        (error: unknown) => send({ kind: "reply", id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
  send({ kind: "ready" });
}

/** The parent's handle on a forked scenario process. */
export class BenchChild {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #exited: Promise<number | null>;
  #nextId = 1;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#child.on("message", (message: Message) => {
      if (message.kind !== "reply") return;
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(message.value);
      else pending.reject(new Error(`bench child: ${message.error}`));
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once("exit", (code) => {
        for (const { reject } of this.#pending.values()) reject(new Error(`bench child exited (code ${code}) before answering`));
        this.#pending.clear();
        resolve(code);
      });
    });
  }

  /** Forks `script` as a child of the given role and waits until it is ready. */
  static async start(script: string, role: string, options: { execArgv?: string[]; env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): Promise<BenchChild> {
    const child = fork(script, [CHILD_FLAG, role], {
      execArgv: options.execArgv ?? process.execArgv,
      env: options.env ?? process.env,
      // The app logs to stdout; the bench's own stdout is for the result table, so theirs goes to stderr.
      stdio: ["ignore", options.quiet ? "ignore" : "pipe", "inherit", "ipc"],
    });
    child.stdout?.pipe(process.stderr);
    const handle = new BenchChild(child);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: Message) => {
        if (message.kind === "ready") {
          child.off("message", onMessage);
          child.off("exit", onExit);
          resolve();
        }
      };
      const onExit = (code: number | null) => reject(new Error(`bench child '${role}' exited (code ${code}) while starting`));
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
    return handle;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  call<T>(method: string, params?: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ kind: "call", id, method, params } satisfies CallMessage);
    });
  }

  /** Ends the child; resolves with its memory at the end (peak = the whole life of the process). */
  async exit(): Promise<{ peakRssMb: number; rssMb: number }> {
    const memory = await this.call<{ peakRssMb: number; rssMb: number }>("exit");
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 30_000);
    await this.#exited;
    clearTimeout(timer);
    return memory;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill("SIGKILL");
  }
}

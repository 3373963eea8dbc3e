/**
 * Stand-in for `@azure/functions-core`, the virtual module the Azure Functions Node worker
 * injects. With it, `@azure/functions` leaves "test mode" and the project's real `app.*` and
 * `df.app.*` registrations hand us the exact metadata and handlers the host would receive.
 *
 * Wired by `installCoreModuleHook()` for node, and by jest's `moduleNameMapper` in tests. State
 * lives on `globalThis` under a registered symbol so both routes share one registry.
 */

export interface RpcBindingInfo {
  type?: string;
  direction?: "in" | "out" | "inout";
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  handler: FunctionCallback;
}

/** The subset of the worker's ProgrammingModel contract the devhost drives. */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: unknown): InvocationModel;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: unknown; outputData?: { name: string; data: unknown }[] }>;
}

export type CoreLogSink = (level: string, category: string, message: string) => void;

interface CoreState {
  functions: Map<string, RegisteredFunction>;
  programmingModel?: ProgrammingModel;
  logSink?: CoreLogSink;
}

const STATE_KEY = Symbol.for("cleversync.devhost.functionsCore");

function state(): CoreState {
  const holder = globalThis as unknown as Record<symbol, CoreState | undefined>;
  let current = holder[STATE_KEY];
  if (!current) {
    current = { functions: new Map() };
    holder[STATE_KEY] = current;
  }
  return current;
}

export class Disposable {
  static from(...items: { dispose(): void }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  #callback?: () => void;
  constructor(callback: () => void) {
    this.#callback = callback;
  }
  dispose(): void {
    this.#callback?.();
    this.#callback = undefined;
  }
}

export function registerFunction(metadata: FunctionMetadata, handler: FunctionCallback): Disposable {
  const functions = state().functions;
  // Mirrors the worker: a second registration under one name is an error, not an overwrite.
  if (functions.has(metadata.name)) {
    throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
  }
  functions.set(metadata.name, { metadata, handler });
  return new Disposable(() => functions.delete(metadata.name));
}

export function setProgrammingModel(model: ProgrammingModel): void {
  state().programmingModel = model;
}

export function getProgrammingModel(): ProgrammingModel {
  const model = state().programmingModel;
  if (!model) throw new Error("No programming model registered: load the app (which imports @azure/functions) first.");
  return model;
}

/** Hooks are accepted and ignored: the product registers none, and the devhost does not run them. */
export function registerHook(_hookName: string, _callback: unknown): Disposable {
  return new Disposable(() => undefined);
}

export function log(level: string, category: string, message: string): void {
  state().logSink?.(level, category, message);
}

/** Devhost-only: a snapshot of every function registered so far. */
export function registeredFunctions(): Map<string, RegisteredFunction> {
  return new Map(state().functions);
}

/** Devhost-only: where worker system logs go. */
export function setCoreLogSink(sink: CoreLogSink | undefined): void {
  state().logSink = sink;
}

import { randomUUID } from "node:crypto";
import { getProgrammingModel, RegisteredFunction } from "./functionsCore";

/** RPC typed data as the worker exchanges it with the host (the subset we produce/consume). */
export interface RpcTypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  stream?: Uint8Array;
  http?: RpcHttpData;
  int?: number;
  double?: number;
}

export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: RpcTypedData;
  statusCode?: string;
  cookies?: unknown[];
}

export type FunctionLogSink = (entry: { functionName: string; invocationId: string; level: string; message: string }) => void;

export interface InvocationResult {
  returnValue: unknown;
  outputs: Record<string, unknown>;
}

/**
 * Calls a registered function the way the Node worker does: through the programming model's
 * InvocationModel (getArguments → invokeFunction → getResponse), so bindings are converted by
 * `@azure/functions` itself rather than by us.
 */
export async function invokeFunction(
  fn: RegisteredFunction,
  inputs: Record<string, RpcTypedData>,
  logSink: FunctionLogSink,
): Promise<InvocationResult> {
  const invocationId = randomUUID();
  const functionName = fn.metadata.name;
  const coreContext = {
    invocationId,
    request: {
      invocationId,
      functionId: functionName,
      inputData: Object.entries(inputs).map(([name, data]) => ({ name, data })),
      triggerMetadata: {},
    },
    metadata: fn.metadata,
    state: "invocation",
    log: (level: string, _category: string, message: string) => logSink({ functionName, invocationId, level, message }),
  };
  const model = getProgrammingModel().getInvocationModel(coreContext);
  const { context, inputs: args } = await model.getArguments();
  const result = await model.invokeFunction(context, args, fn.handler);
  const response = await model.getResponse(context, result);
  const outputs: Record<string, unknown> = {};
  for (const output of response.outputData ?? []) outputs[output.name] = output.data;
  return { returnValue: response.returnValue, outputs };
}

/** Turns a worker return value back into a JS value, as the host's converters would. */
export function fromRpcTypedData(data: unknown): unknown {
  if (data === null || data === undefined) return undefined;
  const typed = data as RpcTypedData;
  if (typed.json !== undefined) return JSON.parse(typed.json);
  if (typed.string !== undefined) return typed.string;
  if (typed.int !== undefined) return Number(typed.int);
  if (typed.double !== undefined) return Number(typed.double);
  if (typed.bytes !== undefined) return Buffer.from(typed.bytes);
  return undefined;
}

export function jsonInput(value: unknown): RpcTypedData {
  return { string: JSON.stringify(value) };
}

/** The name of a function's trigger binding, and its type. */
export function triggerOf(fn: RegisteredFunction): { name: string; type: string; binding: Record<string, unknown> } {
  for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
    if (binding.direction === "in" && typeof binding.type === "string" && /trigger$/i.test(binding.type)) {
      return { name, type: binding.type, binding };
    }
  }
  throw new Error(`Function "${fn.metadata.name}" has no trigger binding.`);
}

/** Names of `durableClient` input bindings the function declared. */
export function durableClientBindings(fn: RegisteredFunction): string[] {
  return Object.entries(fn.metadata.bindings)
    .filter(([, b]) => b.direction === "in" && (b.type === "durableClient" || b.type === "orchestrationClient"))
    .map(([name]) => name);
}

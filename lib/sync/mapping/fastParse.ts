/**
 * The mapping schemas, run without zod's per-field bookkeeping.
 *
 * zod's safeParse builds result and issue objects for every field of every record: at 100,000 users
 * it was a third of everything a full sync allocated, and garbage that outlives the young
 * generation is what grows a process's peak memory. The fast path is compiled once from the zod
 * schema itself — its definitions (`_zod.def`, zod/v4/core, documented for library authors at
 * https://zod.dev/library-authors) — and runs the schema's own transform functions, so there is one
 * description of what a valid record is. It does not explain failures: on any problem it returns
 * FAIL and the caller runs zod for the reason. A schema using a zod feature not handled here fails
 * at load time, not silently at run time.
 */
import type { z } from "zod";

export const FAIL: unique symbol = Symbol("invalid");
export type FastParse<T> = (value: unknown) => T | typeof FAIL;

type Def = { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType; out?: z.core.$ZodType; element?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType>; catchall?: unknown; transform?: (value: unknown, ctx: unknown) => unknown };

/** The transform context our field checks use: they report a problem through addIssue and return z.NEVER. */
class FailureFlag {
  failed = false;
  addIssue(): void {
    this.failed = true;
  }
}

export function compileFast<T>(schema: z.ZodType<T>): FastParse<T> {
  return compile(schema) as FastParse<T>;
}

function compile(schema: z.core.$ZodType): (value: unknown) => unknown {
  const def = schema._zod.def as unknown as Def;
  switch (def.type) {
    case "unknown":
      return (value) => value;
    case "optional": {
      const inner = compile(def.innerType!);
      return (value) => (value === undefined ? undefined : inner(value));
    }
    case "nullable": {
      const inner = compile(def.innerType!);
      return (value) => (value === null ? null : inner(value));
    }
    case "pipe": {
      const first = compile(def.in!);
      const second = compile(def.out!);
      return (value) => {
        const between = first(value);
        return between === FAIL ? FAIL : second(between);
      };
    }
    case "transform": {
      const transform = def.transform!;
      return (value) => {
        const flag = new FailureFlag();
        const out = transform(value, flag);
        return flag.failed ? FAIL : out;
      };
    }
    case "array": {
      const element = compile(def.element!);
      return (value) => {
        if (!Array.isArray(value)) return FAIL;
        const out: unknown[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = element(value[i]);
          if (item === FAIL) return FAIL;
          out[i] = item;
        }
        return out;
      };
    }
    case "object": {
      if (def.catchall !== undefined) throw new Error("compileFast: objects with a catchall are not supported");
      const fields = Object.entries(def.shape!).map(([key, field]) => [key, compile(field)] as const);
      return (value) => {
        if (typeof value !== "object" || value === null || Array.isArray(value)) return FAIL;
        const input = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [key, parse] of fields) {
          const parsed = parse(input[key]);
          if (parsed === FAIL) return FAIL;
          if (parsed !== undefined) out[key] = parsed;
        }
        return out;
      };
    }
    default:
      throw new Error(`compileFast: zod type "${def.type}" is not supported; extend lib/sync/mapping/fastParse.ts or keep this schema on zod`);
  }
}

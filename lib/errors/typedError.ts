/**
 * Base of the project's typed errors: a stable `code`, and a `toJSON` that lists exactly what
 * may be logged — own scalar fields, and of a cause only its name and message (driver and SDK
 * objects, which can hold connection strings or request headers, never ride along).
 */
export abstract class TypedError extends Error {
  abstract readonly code: string;

  constructor(message: string, cause?: Error) {
    super(message, cause ? { cause } : undefined);
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (value === undefined || typeof value === "function" || key === "cause") continue;
      if (typeof value !== "object" || Array.isArray(value)) out[key] = value;
    }
    if (this.cause instanceof Error) out.cause = { name: this.cause.name, message: this.cause.message };
    return out;
  }
}

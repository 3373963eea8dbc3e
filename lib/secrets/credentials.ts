/**
 * Value objects that hold secrets but refuse to print them.
 *
 * Secret fields live in ES private slots (#), so they are not own enumerable properties: spread,
 * Object.keys, structured logging and JSON.stringify cannot see them, and toJSON / toString /
 * util.inspect print "[redacted]". Code that needs the value asks for it by name.
 */
import { inspect } from "node:util";

export const REDACTED = "[redacted]";

export interface CleverCredentialsInit {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  districtToken?: string;
}

/** A tenant's Clever app credentials (and, optionally, its district token). */
export class CleverCredentials {
  readonly tenantId: string;
  /** The OAuth client id is an identifier, not a secret: kept visible for diagnostics. */
  readonly clientId: string;
  readonly #clientSecret: string;
  readonly #districtToken: string | undefined;

  constructor(init: CleverCredentialsInit) {
    this.tenantId = init.tenantId;
    this.clientId = init.clientId;
    this.#clientSecret = init.clientSecret;
    this.#districtToken = init.districtToken;
  }

  get clientSecret(): string {
    return this.#clientSecret;
  }

  get districtToken(): string | undefined {
    return this.#districtToken;
  }

  /** The values a log redactor must scrub. */
  secretValues(): string[] {
    return this.#districtToken === undefined ? [this.#clientSecret] : [this.#clientSecret, this.#districtToken];
  }

  toJSON(): Record<string, string> {
    const out: Record<string, string> = { tenantId: this.tenantId, clientId: this.clientId, clientSecret: REDACTED };
    if (this.#districtToken !== undefined) out.districtToken = REDACTED;
    return out;
  }

  toString(): string {
    return `CleverCredentials(${Object.entries(this.toJSON()).map(([k, v]) => `${k}=${v}`).join(", ")})`;
  }

  [inspect.custom](): string {
    return `CleverCredentials ${inspect(this.toJSON())}`;
  }
}

/** One secret string (e.g. a SQL connection string) that prints as "[redacted]". */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plain value; call it where it is used, never where it is logged. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `SecretValue(${REDACTED})`;
  }
}

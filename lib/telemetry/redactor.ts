/**
 * Scrubs secrets from everything the logger sends out of the process: messages, property values
 * (nested too), exception messages and stacks.
 *
 * Two layers: values registered at runtime (`addSecret`: client secrets, access tokens, connection
 * strings the process actually holds) and the text/key rules in secretPatterns.ts. Known secrets
 * are matched by one combined regex, rebuilt lazily after the set changes, so cost does not grow
 * with one scan per secret.
 */
import type { RedactedError, TelemetryProperties } from "./types";
import { REDACTED, createRedactionRules, createSecretKeyCheck, escapeRegExp, type RedactionRule } from "./secretPatterns";

/** Shorter values are too likely to occur by chance ("true", a port number) to be replaced. */
export const MIN_SECRET_LENGTH = 8;
/** Nested properties deeper than this are cut off rather than walked. */
const MAX_DEPTH = 8;
/** Longer arrays keep their first items only. */
const MAX_ARRAY_ITEMS = 100;

export class Redactor {
  // ES private fields: util.inspect and JSON.stringify of a Redactor never show the secrets.
  readonly #secrets = new Set<string>();
  #knownSecretsPattern: RegExp | undefined;
  #dirty = false;
  readonly #isSecretKey = createSecretKeyCheck();
  readonly #rules: readonly RedactionRule[] = createRedactionRules(this.#isSecretKey);

  /**
   * Registers a value that must never leave the process. Values shorter than 8 characters are
   * ignored. Its URL-encoded and JSON-escaped forms are registered too, as they show up in URLs
   * and serialized bodies.
   */
  addSecret(value: string | undefined | null): void {
    if (typeof value !== "string") return;
    const trimmed = value.trim();
    if (trimmed.length < MIN_SECRET_LENGTH) return;
    for (const form of new Set([value, trimmed, encodeURIComponent(trimmed), JSON.stringify(trimmed).slice(1, -1)])) {
      if (form.length >= MIN_SECRET_LENGTH && !this.#secrets.has(form)) {
        this.#secrets.add(form);
        this.#dirty = true;
      }
    }
  }

  addSecrets(values: Iterable<string | undefined | null>): void {
    for (const value of values) this.addSecret(value);
  }

  /** How many distinct secret forms are registered (never the values). */
  get secretCount(): number {
    return this.#secrets.size;
  }

  /** Whether a property key names a secret (its value is then replaced whole). */
  isSecretKey(key: string): boolean {
    return this.#isSecretKey(key);
  }

  /** Redacts one string. */
  redact(text: string): string {
    if (text.length === 0) return text;
    let result = text;
    const known = this.#knownSecrets();
    if (known) result = result.replace(known, REDACTED);
    for (const rule of this.#rules) {
      rule.pattern.lastIndex = 0;
      result = result.replace(rule.pattern, rule.replace as (match: string, ...groups: unknown[]) => string);
    }
    return result;
  }

  /**
   * Redacts any value into plain data: strings scrubbed, objects walked (secret-named keys
   * replaced whole), errors reduced to {name, message, stack}, cycles and depth cut off.
   */
  redactValue(value: unknown): unknown {
    return this.#walk(value, 0, new WeakSet());
  }

  /** Redacts a property bag; undefined values are dropped. */
  redactProperties(properties: TelemetryProperties | undefined): Record<string, unknown> {
    return properties ? this.#walkEntries(Object.entries(properties), 0, new WeakSet()) : {};
  }

  /** Reduces anything thrown to a redacted {name, message, stack}. */
  redactError(error: unknown): RedactedError {
    if (error instanceof Error) {
      const redacted: RedactedError = { name: this.redact(error.name || "Error"), message: this.redact(error.message ?? "") };
      if (typeof error.stack === "string") redacted.stack = this.redact(error.stack);
      return redacted;
    }
    const text = typeof error === "string" ? error : safeJson(this.redactValue(error));
    return { name: "NonErrorThrown", message: this.redact(text) };
  }

  #knownSecrets(): RegExp | undefined {
    if (this.#dirty) {
      // Longest first, so a secret that contains another is replaced whole.
      const alternatives = [...this.#secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.#knownSecretsPattern = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "g") : undefined;
      this.#dirty = false;
    }
    return this.#knownSecretsPattern;
  }

  #walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
    switch (typeof value) {
      case "string":
        return this.redact(value);
      case "number":
      case "boolean":
      case "undefined":
        return value;
      case "bigint":
        return value.toString();
      case "symbol":
        return this.redact(value.toString());
      case "function":
        return `[Function ${value.name || "anonymous"}]`;
    }
    if (value === null) return null;
    const object = value as object;
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
    if (value instanceof Error) return this.redactError(value);
    if (seen.has(object)) return "[Circular]";
    if (depth >= MAX_DEPTH) return "[Truncated]";
    seen.add(object);
    try {
      // Types that choose their own serialization (e.g. lib/secrets' SecretValue → "[redacted]").
      const toJSON = (object as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") return this.#walk(toJSON.call(object), depth + 1, seen);
      if (Array.isArray(object)) {
        const items = object.slice(0, MAX_ARRAY_ITEMS).map((item) => this.#walk(item, depth + 1, seen));
        if (object.length > MAX_ARRAY_ITEMS) items.push(`[${object.length - MAX_ARRAY_ITEMS} more]`);
        return items;
      }
      if (object instanceof Map) return this.#walkEntries([...object.entries()].map(([k, v]) => [String(k), v]), depth, seen);
      if (object instanceof Set) return this.#walk([...object], depth, seen);
      if (Buffer.isBuffer(object)) return `[Buffer ${object.length} bytes]`;
      return this.#walkEntries(Object.entries(object), depth, seen);
    } finally {
      seen.delete(object);
    }
  }

  #walkEntries(entries: Array<[string, unknown]>, depth: number, seen: WeakSet<object>): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      if (item === undefined) continue;
      result[key] = this.#isSecretKey(key) && item !== null ? REDACTED : this.#walk(item, depth + 1, seen);
    }
    return result;
  }
}

export function createRedactor(secrets: Iterable<string | undefined | null> = []): Redactor {
  const redactor = new Redactor();
  redactor.addSecrets(secrets);
  return redactor;
}

/** JSON that never throws (BigInt, odd getters): telemetry must not fail the caller. */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * What a secret looks like, as precompiled rules: text patterns (Bearer/Basic credentials,
 * Authorization headers, secret query/form/JSON/connection-string values, JWTs) and the rule for
 * property keys whose values are secret whatever they contain.
 *
 * Redaction errs on the side of hiding: a false positive costs a little context in a log line,
 * a false negative leaks a credential into a store many people can read.
 */

export const REDACTED = "[REDACTED]";

/** A text rule: a global regex and what replaces each match. */
export interface RedactionRule {
  readonly name: string;
  readonly pattern: RegExp;
  readonly replace: (match: string, ...groups: string[]) => string;
}

// ---- property keys ------------------------------------------------------------------------

/** Secret wherever the word appears in a key: `passwordHash`, `proxyAuthorizationHeader`. */
const SECRET_ANYWHERE = new Set(["password", "passwd", "authorization"]);
/**
 * Secret when the key ends with the word: `clientSecret`, `accessToken`, `AccountKey`, `x-api-key`.
 * Only the last word, so metadata such as `tokenFingerprint`, `tokenExpiresAt`, `secretName` and
 * `keyVaultUrl` stays readable.
 */
const SECRET_LAST_WORD = new Set([
  "secret",
  "secrets",
  "token",
  "tokens",
  "key",
  "apikey",
  "pwd",
  "sig",
  "signature",
  "sas",
  "credential",
  "credentials",
  "cookie",
  "connectionstring",
]);
/** `secretValue`, `tokenValue`: the value of something secret. */
const SECRET_BEFORE_VALUE = new Set(["secret", "token", "key", "password"]);

/** Splits `sqlConnectionString`, `client_secret`, `x-api-key`, `AccountKey` into lower-case words. */
function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** Whether a property key names a secret, so its value is replaced whole. */
export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (words.length === 0) return false;
  if (words.some((word) => SECRET_ANYWHERE.has(word))) return true;
  const last = words[words.length - 1];
  if (SECRET_LAST_WORD.has(last)) return true;
  const previous = words[words.length - 2];
  if (previous === "connection" && last === "string") return true;
  return last === "value" && previous !== undefined && SECRET_BEFORE_VALUE.has(previous);
}

/**
 * `isSecretKey` with a bounded memo: text rules ask about every `key=value` they meet, and
 * the same few keys recur. One per redactor, so there is no module-level state.
 */
export function createSecretKeyCheck(maxEntries = 2_048): (key: string) => boolean {
  const memo = new Map<string, boolean>();
  return (key) => {
    let answer = memo.get(key);
    if (answer === undefined) {
      answer = isSecretKey(key);
      if (memo.size >= maxEntries) memo.clear();
      memo.set(key, answer);
    }
    return answer;
  };
}

// ---- text rules -----------------------------------------------------------------------------

/** Header-like keys whose whole value (which may contain a space: `Bearer abc`) is a credential. */
const HEADER_KEYS = "(?:proxy-)?authorization|set-cookie|cookie|x-api-key|api-key|x-functions-key|ocp-apim-subscription-key";
/** OAuth/connection-string names recognised before a colon too (`client_secret: abc`). */
const COLON_KEYS = "access_token|refresh_token|id_token|client_secret|client_assertion|password|passwd|pwd|accountkey|sharedaccesskey|sharedaccesssignature";
/** Query parameters that carry credentials but are too generic to be secret as property keys. */
const QUERY_ONLY_KEYS = "code|sig|signature";

/** A quoted value: JSON/JS strings, and `\"…\"` for JSON that was stringified again. */
const QUOTED = String.raw`"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*'|\\"(?:[^"\\\r\n]|\\[^"\r\n])*\\"`;
/** The optional quote around a key, captured so the same quote must close it. */
const KEY_QUOTE = String.raw`(\\?["']|)`;

/** `[REDACTED]` inside the same quotes as the value it replaces, so JSON stays JSON. */
function quoteLike(value: string): string {
  const quote = value.startsWith('\\"') ? '\\"' : value[0] === '"' || value[0] === "'" ? value[0] : "";
  return `${quote}${REDACTED}${quote}`;
}

/**
 * Builds the ordered text rules. Order matters: whole header values go first so `Authorization:
 * Bearer x` becomes `Authorization: [REDACTED]` rather than being redacted piecewise.
 */
export function createRedactionRules(isSecret: (key: string) => boolean): RedactionRule[] {
  return [
    {
      name: "authorization header",
      pattern: new RegExp(String.raw`${KEY_QUOTE}\b(${HEADER_KEYS})\1(\s*[:=]\s*)(${QUOTED}|[^\r\n"',;}\]]+)`, "gi"),
      replace: (_match, quote, key, separator, value) => `${quote}${key}${quote}${separator}${quoteLike(value)}`,
    },
    {
      name: "bearer credential",
      pattern: /\b(Bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi,
      replace: (_match, scheme) => `${scheme} ${REDACTED}`,
    },
    {
      name: "basic credential",
      pattern: /\b(Basic)\s+[A-Za-z0-9+/]{12,}={0,2}/gi,
      replace: (_match, scheme) => `${scheme} ${REDACTED}`,
    },
    {
      // JSON (`"access_token":"…"`), util.inspect (`clientSecret: '…'`), `key="…"`. Anchored on the
      // separator with the key checked in a lookbehind: starting at every word would be ~5x slower.
      name: "quoted secret value",
      pattern: new RegExp(String.raw`[:=](?<=(?<![\w.-])\\?["']?([A-Za-z_][\w.-]{0,63})\\?["']?\s*[:=])(\s*)(${QUOTED})`, "g"),
      replace: (match, key, space, value) => (isSecret(key) ? `${match[0]}${space}${quoteLike(value)}` : match),
    },
    {
      // Query strings, form bodies, connection strings, logfmt: `AccountKey=…;`, `?access_token=…&`.
      name: "key=value secret",
      pattern: /=(?<=(?<![\w.-])([A-Za-z_][\w.-]{0,63})\s*=)(\s*)(\{[^}\r\n]*\}|[^\s&;,"'<>{}]+)/g,
      replace: (match, key, space) => (isSecret(key) ? `=${space}${REDACTED}` : match),
    },
    {
      name: "key: value secret",
      pattern: new RegExp(String.raw`\b(${COLON_KEYS})(\s*:\s*)(?!\[REDACTED\])[^\s&;,"'<>{}]+`, "gi"),
      replace: (_match, key, separator) => `${key}${separator}${REDACTED}`,
    },
    {
      name: "credential query parameter",
      pattern: new RegExp(String.raw`([?&](?:${QUERY_ONLY_KEYS})=)[^&#\s"'<>]+`, "gi"),
      replace: (_match, prefix) => `${prefix}${REDACTED}`,
    },
    {
      // A JWT's header is base64url JSON, so it starts with `{"` / `{ ` / `{\n` encoded.
      name: "jwt",
      pattern: /\b(?:eyJ|eyA|ewo|ew0)[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
      replace: () => REDACTED,
    },
  ];
}

/** Escapes a literal for use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

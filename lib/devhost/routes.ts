/**
 * ASP.NET-style route templates as Functions HTTP triggers use them:
 * `tenants/{tenantId}/sync/{instanceId?}`, constraints `{id:int}` / `{id:alpha}`, catch-all `{*rest}`.
 * Literal segments match case-insensitively, as in the host.
 */
export interface CompiledRoute {
  template: string;
  match(path: string): Record<string, string> | undefined;
}

type Segment =
  | { kind: "literal"; text: string }
  | { kind: "param"; name: string; optional: boolean; catchAll: boolean; constraint?: string };

export function compileRoute(template: string): CompiledRoute {
  const segments: Segment[] = template
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .filter((s) => s.length > 0)
    .map((raw) => {
      const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+)(?:\([^)]*\))?)?(\?)?\}$/.exec(raw);
      if (!param) return { kind: "literal", text: raw.toLowerCase() };
      return { kind: "param", name: param[2], catchAll: Boolean(param[1]), constraint: param[3]?.toLowerCase(), optional: Boolean(param[4]) || Boolean(param[1]) };
    });

  return {
    template,
    match(path: string): Record<string, string> | undefined {
      const parts = path.replace(/^\/+|\/+$/g, "").split("/").filter((p) => p.length > 0);
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i];
        const part = parts[i];
        if (segment.kind === "literal") {
          if (part === undefined || (part.includes("%") ? safeDecode(part) : part)?.toLowerCase() !== segment.text) return undefined;
          continue;
        }
        if (segment.catchAll) {
          const rest = parts.slice(i).map(safeDecode);
          if (rest.some((p) => p === undefined)) return undefined;
          if (rest.length) params[segment.name] = rest.join("/");
          return params;
        }
        if (part === undefined) {
          if (!segment.optional) return undefined;
          continue;
        }
        const value = safeDecode(part);
        if (value === undefined || !satisfies(segment.constraint, value)) return undefined;
        params[segment.name] = value;
      }
      return parts.length <= segments.length ? params : undefined;
    },
  };
}

function satisfies(constraint: string | undefined, value: string): boolean {
  switch (constraint) {
    case undefined:
      return true;
    case "int":
    case "long":
      return /^-?\d+$/.test(value);
    case "alpha":
      return /^[A-Za-z]+$/.test(value);
    case "guid":
      return /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value);
    case "bool":
      return /^(true|false)$/i.test(value);
    default:
      return true;
  }
}

function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

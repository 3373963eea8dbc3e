/**
 * The request path exactly as sent, for routing. `new URL()` resolves dot segments (also
 * `%2e%2e`, and treats `\` as `/`), so `POST /api/tenants/../sync` would be routed as
 * `POST /api/sync` — a different route than the caller named. ASP.NET Core's Kestrel, in front
 * of the real host, normalizes the same way (dotnet/aspnetcore src/Shared/PathNormalizer/
 * PathNormalizer.cs, RemoveDotSegments per RFC 3986 §5.2.4), so in Azure such a request reaches
 * the resolved route and is authorized as that route: product code authorizes per matched route
 * and stays safe either way. The devhost refuses dot segments outright (stricter than Azure, on
 * purpose) so no local request is ever routed somewhere its path does not say.
 */
export interface RawPath {
  /** Percent-encoded path without query or fragment. */
  path: string;
  /** True when a segment is `.` or `..`, literally or percent-encoded, or the path has a backslash. */
  hasDotSegments: boolean;
}

export function rawPath(requestTarget: string | undefined): RawPath {
  const target = requestTarget ?? "/";
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  const hasDotSegments = path.includes("\\") || path.split("/").some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment));
  return { path, hasDotSegments };
}

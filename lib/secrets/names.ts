/**
 * The one naming convention for per-tenant secrets, for both stores.
 *
 *   kind            Key Vault secret name              local setting / environment variable
 *   clientId        clever-{tenantId}-client-id        CLEVER__{TENANT}__CLIENT_ID
 *   clientSecret    clever-{tenantId}-client-secret    CLEVER__{TENANT}__CLIENT_SECRET
 *   districtToken   clever-{tenantId}-district-token   CLEVER__{TENANT}__DISTRICT_TOKEN   (optional)
 *   sqlConnection   sql-{tenantId}-connection          SQL__{TENANT}__CONNECTION          (optional)
 *   accessToken     clever-{tenantId}-access-token     CLEVER__{TENANT}__ACCESS_TOKEN     (written by the token cache)
 *
 * {TENANT} is the tenant id upper-cased with '-' turned into '_' (tenant "district-7" →
 * CLEVER__DISTRICT_7__CLIENT_ID). Both mappings are one-to-one: tenant ids contain no '_', and no
 * suffix is a hyphenated tail of another, so two (tenant, kind) pairs never share a name.
 */
import { InvalidTenantIdError } from "./errors";

/**
 * Key Vault names allow only [0-9a-zA-Z-] and are case-insensitive, so tenant ids are lowercase
 * letters, digits and hyphens, 1-63 characters, starting with a letter or digit. That also keeps
 * them safe in URLs, table keys and instance ids. Same rule as lib/tenants' TENANT_ID_PATTERN:
 * the registry must never accept a tenant whose secrets cannot be named.
 */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const TENANT_ID_RULE = "1-63 characters: lowercase letters a-z, digits 0-9 and hyphens, starting with a letter or digit";

export function isValidTenantId(value: unknown): value is string {
  return typeof value === "string" && TENANT_ID_PATTERN.test(value);
}

/** Throws InvalidTenantIdError (naming `field`) unless `value` is a valid tenant id. */
export function assertValidTenantId(value: unknown, field = "tenantId"): asserts value is string {
  if (!isValidTenantId(value)) throw new InvalidTenantIdError(value, field, TENANT_ID_RULE);
}

const SECRET_KINDS = {
  clientId: { prefix: "clever", suffix: "client-id" },
  clientSecret: { prefix: "clever", suffix: "client-secret" },
  districtToken: { prefix: "clever", suffix: "district-token" },
  sqlConnection: { prefix: "sql", suffix: "connection" },
  accessToken: { prefix: "clever", suffix: "access-token" },
} as const;

export type SecretKind = keyof typeof SECRET_KINDS;
export const SECRET_KIND_NAMES = Object.keys(SECRET_KINDS) as SecretKind[];

/** Where one tenant's secret lives: its Key Vault name and its local setting name. */
export interface SecretRef {
  readonly tenantId: string;
  readonly kind: SecretKind;
  /** Key Vault secret name, e.g. `clever-district-7-client-id`. */
  readonly name: string;
  /** Local setting / environment variable name, e.g. `CLEVER__DISTRICT_7__CLIENT_ID`. */
  readonly envName: string;
}

const toEnvPart = (text: string): string => text.toUpperCase().replace(/-/g, "_");

/** The naming convention, in one place. Validates the tenant id first. */
export function secretRef(tenantId: string, kind: SecretKind): SecretRef {
  assertValidTenantId(tenantId);
  const { prefix, suffix } = SECRET_KINDS[kind];
  return {
    tenantId,
    kind,
    name: `${prefix}-${tenantId}-${suffix}`,
    envName: `${toEnvPart(prefix)}__${toEnvPart(tenantId)}__${toEnvPart(suffix)}`,
  };
}

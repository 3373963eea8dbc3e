/**
 * What a valid tenant and a valid checkpoint look like, and the parse functions that enforce it.
 * Everything entering the registry passes through here before any storage call, so invalid
 * input never reaches Azure Tables. Objects are strict: unknown fields are errors, not ignored,
 * because a silently dropped misspelt setting is worse than a 400.
 */
import { z } from "zod";
import { InvalidCheckpointError, InvalidTenantError } from "./errors";
import { NCRONTAB_FIX, ncrontabProblem } from "./schedule";
import { type IssueHints, parseWith } from "./validation";

import { TENANT_ID_PATTERN } from "../secrets/names";

/** One rule for tenant ids, owned by lib/secrets: a tenant whose secrets cannot be named is never registered. */
export { TENANT_ID_PATTERN };
const TENANT_ID_RULE = "must be 1-63 characters of lowercase letters, digits and hyphens, starting with a letter or digit";
const TENANT_ID_FIX = 'use an id such as "springfield-usd": no capitals, spaces, slashes, dots, quotes or query characters';

/** Key Vault secret-name rules; the local credential store uses the same names. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9-]{1,127}$/;
const SECRET_NAME_RULE = "must be a secret name of 1-127 letters, digits and hyphens";
const SECRET_NAME_FIX = 'give the NAME of a secret (e.g. "clever-springfield-client-secret"), never the secret value';

/** Clever ids are 24 lowercase hex characters (Mongo ObjectId shape). */
export const CLEVER_ID_PATTERN = /^[0-9a-f]{24}$/;

/** Clever roster resources a tenant may sync (same names as the Clever list endpoints). */
export const SYNC_RESOURCES = ["districts", "schools", "terms", "courses", "users", "sections"] as const;
export type SyncResource = (typeof SYNC_RESOURCES)[number];

export const AUTH_MODES = ["district-token", "client-credentials"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const DEFAULT_SYNC_SCHEDULE = "0 0 */6 * * *";
/** Clever's documented maximum `limit`. */
export const MAX_PAGE_SIZE = 10_000;

export const tenantIdSchema = z.string().regex(TENANT_ID_PATTERN, { error: TENANT_ID_RULE });
const secretNameSchema = z.string().regex(SECRET_NAME_PATTERN, { error: SECRET_NAME_RULE });

const syncScheduleSchema = z.string().superRefine((value, ctx) => {
  const problem = ncrontabProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const tenantSettingsSchema = z.strictObject({
  pageSize: z.int().min(1, { error: `must be between 1 and ${MAX_PAGE_SIZE}` }).max(MAX_PAGE_SIZE, { error: `must be between 1 and ${MAX_PAGE_SIZE} (Clever's page limit)` }).optional(),
  resources: z
    .array(z.enum(SYNC_RESOURCES, { error: `must be one of ${SYNC_RESOURCES.join(", ")}` }))
    .min(1, { error: "must list at least one resource (leave it out to sync all)" })
    .refine((list) => new Set(list).size === list.length, { error: "must not list a resource twice" })
    .optional(),
  databaseSecretName: secretNameSchema.optional(),
  /**
   * How the tenant's Clever token is obtained: "district-token" (the default) lists the
   * district-app token with the app's credentials (Clever Secure Sync, the flow Clever documents);
   * "client-credentials" uses the RFC 6749 client-credentials grant, which Clever does not
   * document: it is for OAuth providers that issue expiring tokens. A `district-token` secret,
   * when present, is used as is.
   */
  authMode: z.enum(AUTH_MODES, { error: `must be one of ${AUTH_MODES.join(", ")}` }).optional(),
  /**
   * The deletion and change guard of full syncs (defaults from Clever's safety thresholds: 10%
   * deleted, 75% updated; a section losing more than 50% of at least 5 students). A run over a
   * threshold applies inserts and updates and holds its deletions for review.
   */
  deletionGuard: z
    .strictObject({
      enabled: z.boolean().optional(),
      maxDeletePercent: z.number().min(0, { error: "must be between 0 and 100" }).max(100, { error: "must be between 0 and 100" }).optional(),
      maxUpdatePercent: z.number().min(0, { error: "must be between 0 and 100" }).max(100, { error: "must be between 0 and 100" }).optional(),
      sectionMinStudents: z.int().min(1, { error: "must be a whole number of at least 1" }).optional(),
      sectionMaxLossPercent: z.number().min(0, { error: "must be between 0 and 100" }).max(100, { error: "must be between 0 and 100" }).optional(),
    })
    .optional(),
});

/** Names of the secrets holding the tenant's Clever client id and secret. */
export const credentialNamesSchema = z.strictObject({
  clientId: secretNameSchema,
  clientSecret: secretNameSchema,
});

const mutableFields = {
  displayName: z.string().trim().min(1, { error: "must not be empty" }).max(200, { error: "must be at most 200 characters" }),
  cleverDistrictId: z.string().regex(CLEVER_ID_PATTERN, { error: "must be Clever's 24-character lowercase hexadecimal district id" }),
  credentialSource: z.enum(["keyvault", "local"], { error: 'must be "keyvault" or "local"' }).optional(),
  credentialNames: credentialNamesSchema.optional(),
  syncSchedule: syncScheduleSchema,
  enabled: z.boolean(),
  settings: tenantSettingsSchema,
};

/** A tenant as an admin submits it (create / PUT). */
export const tenantInputSchema = z.strictObject({
  id: tenantIdSchema,
  ...mutableFields,
  syncSchedule: syncScheduleSchema.default(DEFAULT_SYNC_SCHEDULE),
  enabled: z.boolean().default(true),
  settings: tenantSettingsSchema.default({}),
});

/** A partial update (PATCH): top-level fields replace the stored ones; `settings` is replaced whole. */
export const tenantChangesSchema = z.strictObject(mutableFields).partial();

export type TenantInput = z.input<typeof tenantInputSchema>;
/** A validated tenant definition with defaults applied. */
export type TenantDefinition = z.output<typeof tenantInputSchema>;
export type TenantChanges = z.input<typeof tenantChangesSchema>;
export type TenantSettings = z.output<typeof tenantSettingsSchema>;
export type CredentialNames = z.output<typeof credentialNamesSchema>;

/** A stored tenant. `etag` goes back in `ifMatch` to update it safely. */
export interface Tenant extends TenantDefinition {
  createdAt: string;
  updatedAt: string;
  etag: string;
}

const SET_BY_STORE = { problem: "is set by the server and cannot be written", fix: "remove it" };
/** Fields callers may not write: they are set by the store. */
const SERVER_FIELDS = { createdAt: SET_BY_STORE, updatedAt: SET_BY_STORE, etag: SET_BY_STORE };

const TENANT_HINTS: IssueHints = {
  fixes: {
    id: TENANT_ID_FIX,
    displayName: 'give a human-readable name, e.g. "Springfield Unified"',
    cleverDistrictId: "copy the 24-character district id from the Clever dashboard",
    credentialSource: 'use "keyvault" (Azure) or "local" (this machine), or leave it out',
    "credentialNames.clientId": SECRET_NAME_FIX,
    "credentialNames.clientSecret": SECRET_NAME_FIX,
    credentialNames: "give both clientId and clientSecret secret names, or leave it out to use the naming convention",
    syncSchedule: NCRONTAB_FIX,
    enabled: "use true or false",
    settings: "send a JSON object, e.g. {} for the defaults",
    "settings.pageSize": `use a whole number from 1 to ${MAX_PAGE_SIZE}, or leave it out`,
    "settings.resources": `list resources from: ${SYNC_RESOURCES.join(", ")}`,
    "settings.databaseSecretName": SECRET_NAME_FIX,
    "settings.authMode": `use one of ${AUTH_MODES.join(", ")}, or leave it out (district-token)`,
    "settings.deletionGuard": "send e.g. {\"maxDeletePercent\": 10, \"maxUpdatePercent\": 75}, or leave it out for the defaults",
  },
  knownFields: {
    "": Object.keys(tenantInputSchema.shape),
    settings: Object.keys(tenantSettingsSchema.shape),
    credentialNames: Object.keys(credentialNamesSchema.shape),
  },
  readOnlyFields: SERVER_FIELDS,
};

const TENANT_CHANGES_HINTS: IssueHints = {
  ...TENANT_HINTS,
  knownFields: { ...TENANT_HINTS.knownFields, "": Object.keys(tenantChangesSchema.shape) },
  readOnlyFields: { ...SERVER_FIELDS, id: { problem: "cannot be changed (it is the tenant's key)", fix: "remove it; to rename, create a new tenant and remove the old one" } },
};

export function parseTenantInput(input: unknown): TenantDefinition {
  const result = parseWith(tenantInputSchema, input, TENANT_HINTS);
  if (!result.ok) throw new InvalidTenantError(result.issues);
  return result.value;
}

export function parseTenantChanges(input: unknown): z.output<typeof tenantChangesSchema> {
  const result = parseWith(tenantChangesSchema, input, TENANT_CHANGES_HINTS);
  if (!result.ok) throw new InvalidTenantError(result.issues);
  return result.value;
}

/** Throws InvalidTenantError unless `id` is a well-formed tenant id. `field` names it in the error. */
export function assertTenantId(id: unknown, field = "id"): asserts id is string {
  if (typeof id === "string" && TENANT_ID_PATTERN.test(id)) return;
  throw new InvalidTenantError([{ field, problem: typeof id === "string" ? TENANT_ID_RULE : "is required and must be a string", fix: TENANT_ID_FIX }]);
}

/** Default secret names when a tenant lists none: derived from its id, so no names need storing. */
export function credentialNamesFor(tenant: Pick<TenantDefinition, "id" | "credentialNames">): CredentialNames {
  return tenant.credentialNames ?? { clientId: `clever-${tenant.id}-client-id`, clientSecret: `clever-${tenant.id}-client-secret` };
}

// ---- checkpoints ----

/** Resource keys: lowercase word characters, e.g. `users` or `events`; safe as a RowKey. */
export const RESOURCE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
const RESOURCE_NAME_RULE = "must be 1-63 characters of lowercase letters, digits, '_' and '-', starting with a letter";

const cursorSchema = z.string().min(1, { error: "must not be empty (leave it out instead)" }).max(1024, { error: "must be at most 1024 characters" });
const countSchema = z.int().min(0, { error: "must not be negative" });

/** What a sync remembers per (tenant, resource). `put` replaces it whole: omitted fields are cleared. */
export const checkpointStateSchema = z.strictObject({
  /** Clever `starting_after`: the last id written, to resume a full sync mid-resource. */
  cursor: cursorSchema.optional(),
  pagesDone: countSchema.default(0),
  recordsDone: countSchema.default(0),
  runId: z.string().min(1, { error: "must not be empty" }).max(128, { error: "must be at most 128 characters" }).optional(),
  /** Newest Events API id applied, for incremental sync. */
  eventsCursor: cursorSchema.optional(),
  lastFullSyncAt: z.iso.datetime({ error: "must be an ISO 8601 UTC timestamp such as 2026-01-05T08:00:00Z" }).optional(),
  /** The run that finished this resource: a re-run activity of that run returns at once. */
  completedRunId: z.string().min(1, { error: "must not be empty" }).max(128, { error: "must be at most 128 characters" }).optional(),
});

export type CheckpointStateInput = z.input<typeof checkpointStateSchema>;
export type CheckpointState = z.output<typeof checkpointStateSchema>;

export interface Checkpoint extends CheckpointState {
  tenantId: string;
  resource: string;
  updatedAt: string;
  etag: string;
}

const CHECKPOINT_HINTS: IssueHints = {
  fixes: {
    resource: 'use a resource name such as "users" or "events"',
    cursor: "give the last record id written, or leave it out",
    pagesDone: "use a whole number >= 0",
    recordsDone: "use a whole number >= 0",
    runId: "give the sync run id, or leave it out",
    eventsCursor: "give the newest event id applied, or leave it out",
    lastFullSyncAt: "use new Date().toISOString()",
    completedRunId: "give the id of the run that finished the resource, or leave it out",
  },
  knownFields: { "": Object.keys(checkpointStateSchema.shape) },
  readOnlyFields: {
    tenantId: { problem: "is given as an argument, not in the body", fix: "remove it" },
    resource: { problem: "is given as an argument, not in the body", fix: "remove it" },
    updatedAt: SET_BY_STORE,
    etag: { problem: "is set by the server and cannot be written", fix: "remove it; pass the ETag as options.ifMatch" },
  },
};

export function parseCheckpointState(input: unknown): CheckpointState {
  const result = parseWith(checkpointStateSchema, input, CHECKPOINT_HINTS);
  if (!result.ok) throw new InvalidCheckpointError(result.issues);
  return result.value;
}

export function assertResourceName(resource: unknown): asserts resource is string {
  if (typeof resource === "string" && RESOURCE_NAME_PATTERN.test(resource)) return;
  throw new InvalidCheckpointError([{ field: "resource", problem: typeof resource === "string" ? RESOURCE_NAME_RULE : "is required and must be a string", fix: CHECKPOINT_HINTS.fixes.resource }]);
}

/** The writable part of a checkpoint, e.g. to put it back with one field changed. */
export function checkpointState(checkpoint: Checkpoint): CheckpointState {
  const { tenantId: _t, resource: _r, updatedAt: _u, etag: _e, ...state } = checkpoint;
  return state;
}

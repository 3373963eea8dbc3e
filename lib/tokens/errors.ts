/** Clever lists no token for the tenant's district: it never authorized the app, or revoked it. */
export class DistrictNotAuthorizedError extends Error {
  override readonly name = "DistrictNotAuthorizedError";
  constructor(readonly tenantId: string, readonly districtId: string) {
    super(
      `Clever has no district token for tenant '${tenantId}' (district ${districtId}): the district has not authorized the app or has revoked it. ` +
        "Fix: ask the district to approve the app in its Clever dashboard, then the token keeper picks it up on its next attempt.",
    );
  }
}

/** The token belongs to another district than the tenant's: never use it (tenant isolation). */
export class TokenDistrictMismatchError extends Error {
  override readonly name = "TokenDistrictMismatchError";
  constructor(readonly tenantId: string, readonly expectedDistrictId: string, readonly actualDistrictId: string) {
    super(
      `The Clever token for tenant '${tenantId}' belongs to district ${actualDistrictId}, not the tenant's district ${expectedDistrictId}. ` +
        "Fix: check the tenant's cleverDistrictId and the credentials stored for it.",
    );
  }
}

/** An activity waited for the token keeper to publish a usable token, and none came in time. */
export class TokenUnavailableError extends Error {
  override readonly name = "TokenUnavailableError";
  constructor(readonly tenantId: string, readonly waitedMs: number, readonly keeperState?: string) {
    super(
      `No usable Clever token for tenant '${tenantId}' after waiting ${Math.round(waitedMs / 1000)} s` +
        (keeperState ? ` (token keeper: ${keeperState})` : "") +
        `. See the custom status of instance token:${tenantId} for the last refresh error.`,
    );
  }
}

import { CleverAuthError, CleverNetworkError, CleverServerError } from "../../lib/clever";
import { failureKind } from "../../lib/errors/failureKind";
import { CredentialsNotFoundError, SecretStoreUnavailableError } from "../../lib/secrets/errors";
import { StoreUnavailableError } from "../../lib/store/errors";

const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

test.each([
  ["a name that does not resolve", systemError("ENOTFOUND")],
  ["a configured endpoint refusing the connection", systemError("ECONNREFUSED")],
  ["a Key Vault the SDK calls a network outage, whose name does not resolve", new SecretStoreUnavailableError("network", "Key Vault", "x", "could not be reached (ENOTFOUND)")],
  ["SQL Server refusing every address (tedious)", new StoreUnavailableError("mssql", "cannot connect to SQL Server (h/db): ESOCKET: Failed to connect to 127.0.0.1:1 - Could not connect (sequence)")],
  ["a rejected SQL login", new StoreUnavailableError("mssql", "cannot connect: Login failed for user 'sa'.", undefined, false)],
  ["401 from Clever's token endpoint", new CleverAuthError("Clever rejected the client credentials", { status: 401 })],
  ["missing credentials", new CredentialsNotFoundError("acme", ["CLEVER__ACME__CLIENT_ID"], "local settings", ["set it"])],
])("%s is permanent", (_what, error) => {
  expect(failureKind(error)).toBe("permanent");
});

test.each([
  ["a DNS server that did not answer", systemError("EAI_AGAIN")],
  ["a reset connection", systemError("ECONNRESET")],
  ["a timeout", systemError("ETIMEDOUT")],
  ["Clever 5xx after retries", new CleverServerError("Clever answered 503", { status: 503 })],
  ["a Clever network failure (timeout)", new CleverNetworkError("timed out", { failure: "timeout" })],
  ["Key Vault throttling", new SecretStoreUnavailableError("throttled", "Key Vault", "x", "answered HTTP 429")],
  ["an unknown error", new Error("something odd")],
])("%s is transient", (_what, error) => {
  expect(failureKind(error)).toBe("transient");
});

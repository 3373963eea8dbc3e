import { preflightSync, PreflightError } from "../../lib/localstack/preflight";
import { loadSettings } from "../../lib/config/settings";
import { createServices, Services } from "../../lib/runtime/services";

/**
 * The retry loop in isolation: the registry is replaced (an edge: Azure Tables dropping
 * connections on demand is not something Azurite can do) by one that fails as configured.
 */
function servicesWithRegistry(get: () => Promise<unknown>): Services {
  const services = createServices(loadSettings({ SQLITE_PATH: ":memory:" }), { tenants: { get } as unknown as Services["tenants"] });
  return services;
}

test("a transient failure is retried with a visible line per wait, then the check goes on", async () => {
  let calls = 0;
  const services = servicesWithRegistry(async () => {
    calls += 1;
    if (calls < 3) throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    throw Object.assign(new Error('Tenant "x" does not exist. Fix: create it.'), { name: "TenantNotFoundError" });
  });
  const lines: string[] = [];
  const error = await preflightSync(services, "x", { print: (line) => lines.push(line), sleep: async () => undefined }).catch((e: unknown) => e);
  expect(lines).toEqual([
    "Tenant registry (Azure Tables): read ECONNRESET — transient, retrying in 1 s (attempt 2 of 4)",
    "Tenant registry (Azure Tables): read ECONNRESET — transient, retrying in 2 s (attempt 3 of 4)",
  ]);
  expect(error).toBeInstanceOf(PreflightError);
  expect((error as PreflightError).message).toBe('Tenant registry (Azure Tables) failed, and retrying cannot fix it: Tenant "x" does not exist. Fix: create it.');
  await services.stores.close();
});

test("a transient failure that outlasts the retries ends naming the cause and the attempts", async () => {
  const services = servicesWithRegistry(async () => {
    throw Object.assign(new Error("connect ETIMEDOUT 10.0.0.1:443"), { code: "ETIMEDOUT" });
  });
  const lines: string[] = [];
  const error = (await preflightSync(services, "x", { print: (line) => lines.push(line), sleep: async () => undefined, retryDelaysMs: [5] }).catch((e: unknown) => e)) as PreflightError;
  expect(lines).toHaveLength(1);
  expect(error.kind).toBe("transient");
  expect(error.message).toBe("Tenant registry (Azure Tables) still failing after 2 attempts: connect ETIMEDOUT 10.0.0.1:443");
  await services.stores.close();
});

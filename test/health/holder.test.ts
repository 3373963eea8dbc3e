/**
 * bindDurableClient: a lazy client source (df.getClient over the invocation's context) is called
 * only while the keeper check has no client, so a health request under load builds none; an eager
 * client still replaces the bound one.
 */
import type { DurableClient } from "durable-functions";
import { bindDurableClient, type HealthRuntime } from "../../lib/health/holder";
import { KeeperReaderSlot } from "../../lib/health/keeperStatus";
import { HealthSnapshot } from "../../lib/health/snapshot";

type Client = Pick<DurableClient, "getStatusBy">;

function clientListing(instanceId: string): Client {
  return { getStatusBy: async () => [{ instanceId, runtimeStatus: "Running", customStatus: null }] } as unknown as Client;
}

function runtime(): HealthRuntime {
  // Not started: binding must not refresh anything here.
  const snapshot = new HealthSnapshot({ checks: {}, secrets: () => [], intervalMs: 60_000 });
  return { snapshot, keepers: new KeeperReaderSlot() };
}

test("a lazy source is called once: later requests reuse the bound client", async () => {
  const rt = runtime();
  let built = 0;
  const source = () => {
    built += 1;
    return clientListing("token:springfield");
  };
  for (let i = 0; i < 50; i++) bindDurableClient(rt, source);
  expect(built).toBe(1);
  expect(rt.keepers.bound).toBe(true);
  expect(await rt.keepers.read()).toEqual([{ tenantId: "springfield", runtimeStatus: "Running", status: undefined }]);
});

test("an eager client replaces the bound one; a lazy source after it is not called", async () => {
  const rt = runtime();
  bindDurableClient(rt, () => clientListing("token:first"));
  bindDurableClient(rt, clientListing("token:second"));
  expect((await rt.keepers.read()).map((k) => k.tenantId)).toEqual(["second"]);
  let built = 0;
  bindDurableClient(rt, () => {
    built += 1;
    return clientListing("token:third");
  });
  expect(built).toBe(0);
  expect((await rt.keepers.read()).map((k) => k.tenantId)).toEqual(["second"]);
});

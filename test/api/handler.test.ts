/**
 * apiRoute's durable client is built on first use only (lib/api/handler.ts): a route that never
 * touches it never pays for df.getClient.
 */
import type { DurableClient } from "durable-functions";
import { lazyDurableClient } from "../../lib/api/handler";

function fakeClient(): DurableClient {
  return {
    taskHubName: "hub",
    async getStatus(this: { taskHubName: string }, instanceId: string) {
      return { instanceId, hub: this.taskHubName };
    },
  } as unknown as DurableClient;
}

test("nothing is built until a member is read; then once, with methods bound to the real client", async () => {
  let built = 0;
  const client = lazyDurableClient(() => {
    built += 1;
    return fakeClient();
  });
  expect(built).toBe(0);
  const { getStatus } = client;
  expect(await getStatus("run-1")).toEqual({ instanceId: "run-1", hub: "hub" });
  expect(client.taskHubName).toBe("hub");
  expect(await client.getStatus("run-2")).toEqual({ instanceId: "run-2", hub: "hub" });
  expect(built).toBe(1);
});

test("a client that cannot be built fails where it is used, not before", async () => {
  const client = lazyDurableClient(() => {
    throw new Error("Could not find a registered durable client input binding.");
  });
  expect(() => client.getStatus("x")).toThrow(/durable client input binding/);
});

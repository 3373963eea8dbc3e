/** The in-process Azurite helper other test suites rely on. */
import { createConnection } from "node:net";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { startAzurite } from "../helpers/azurite";

function portIsOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("startAzurite", () => {
  it("starts fast on an ephemeral loopback port, serves tables, and stops (twice is fine)", async () => {
    const started = Date.now();
    const azurite = await startAzurite();
    try {
      expect(Date.now() - started).toBeLessThan(3000);
      expect(azurite.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
      expect(azurite.connectionString).toContain(`TableEndpoint=${azurite.url};`);

      const client = TableClient.fromConnectionString(azurite.connectionString, "probe", { allowInsecureConnection: true });
      await client.createTable();
      await client.createEntity({ partitionKey: "p", rowKey: "r", value: 1 });
      await expect(client.getEntity("p", "r")).resolves.toMatchObject({ value: 1 });
    } finally {
      await azurite.stop();
    }
    await azurite.stop();
    await expect(portIsOpen(azurite.url)).resolves.toBe(false);
  });

  it("gives each call its own empty, in-memory service", async () => {
    const [one, two] = await Promise.all([startAzurite(), startAzurite()]);
    try {
      expect(one.url).not.toBe(two.url);
      await TableClient.fromConnectionString(one.connectionString, "onlyhere", { allowInsecureConnection: true }).createTable();
      const names: string[] = [];
      for await (const table of TableServiceClient.fromConnectionString(two.connectionString, { allowInsecureConnection: true }).listTables()) names.push(table.name ?? "");
      expect(names).toEqual([]);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });
});

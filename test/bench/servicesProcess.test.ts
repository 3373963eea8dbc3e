import { CleverClient, listDistrictTokens, staticTokenProvider } from "../../lib/clever";
import { addLatency } from "../../lib/bench/servicesProcess";
import { CleverSimulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../../lib/simulator";

let simulator: CleverSimulator | undefined;
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

test("the latency cases delay every Clever request, the token endpoint included", async () => {
  simulator = new CleverSimulator({ seed: 3, users: 60, rateLimit: false });
  addLatency(simulator, 1);
  const { url } = await simulator.start();
  const [token] = await listDistrictTokens({ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET }, { baseUrl: url });
  const client = new CleverClient({ baseUrl: url, tokenProvider: staticTokenProvider(token!.accessToken), pageSize: 20 });
  let records = 0;
  try {
    for await (const page of client.pages("users")) records += page.records.length;
  } finally {
    await client.close();
  }
  expect(records).toBe(60);
  const stats = simulator.requestStats();
  expect(stats.oauthRequests).toBeGreaterThanOrEqual(1);
  expect(stats.dataRequests).toBeGreaterThanOrEqual(3);
  // The simulator counts each delayed request (FaultController.decide): all of them, of both kinds.
  expect(stats.faults.delayed).toBe(stats.oauthRequests + stats.dataRequests);
});

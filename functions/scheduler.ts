import * as df from "durable-functions";
import { processServices } from "../lib/runtime/services";
import { schedulerTick } from "../lib/scheduler/scheduler";

df.app.client.timer("scheduler", {
  schedule: "0 */5 * * * *",
  handler: async (_timer, client, context) => {
    const services = processServices.get();
    for (const tick of await schedulerTick(services, client, new Date(services.now()))) {
      if (tick.error) context.warn(`scheduler: tenant ${tick.tenantId}: ${tick.error}`);
      else context.info(`scheduler: tenant ${tick.tenantId}: token keeper ${tick.tokenKeeper}, sync ${tick.sync}${tick.instanceId ? ` (${tick.instanceId})` : ""}`);
    }
  },
});

import * as df from "durable-functions";
import { processServices } from "../lib/runtime/services";
import { applySyncEventsActivity, finishSyncRunActivity, planSyncRunActivity, syncResourceActivity } from "../lib/runtime/syncFunctions";
import {
  APPLY_SYNC_EVENTS,
  FINISH_SYNC_RUN,
  PLAN_SYNC_RUN,
  SYNC_RESOURCE,
  SYNC_RESOURCE_RUN,
  SYNC_TENANT,
  syncResourceOrchestrator,
  syncTenantOrchestrator,
} from "../lib/sync/syncTenant";

const client = [df.input.durableClient()];

df.app.orchestration(SYNC_TENANT, syncTenantOrchestrator);
df.app.orchestration(SYNC_RESOURCE_RUN, syncResourceOrchestrator);
df.app.activity(PLAN_SYNC_RUN, { extraInputs: client, handler: (input, context) => planSyncRunActivity(processServices.get(), df.getClient(context), input) });
df.app.activity(SYNC_RESOURCE, { extraInputs: client, handler: (input, context) => syncResourceActivity(processServices.get(), df.getClient(context), input) });
df.app.activity(APPLY_SYNC_EVENTS, { extraInputs: client, handler: (input, context) => applySyncEventsActivity(processServices.get(), df.getClient(context), input) });
df.app.activity(FINISH_SYNC_RUN, { handler: (input) => finishSyncRunActivity(processServices.get(), input) });

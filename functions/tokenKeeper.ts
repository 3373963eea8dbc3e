import * as df from "durable-functions";
import { processServices } from "../lib/runtime/services";
import { refreshTokenActivity } from "../lib/runtime/tokenFunctions";
import { REFRESH_TOKEN_ACTIVITY, RefreshInput, TOKEN_KEEPER, tokenKeeperOrchestrator } from "../lib/tokens";

df.app.orchestration(TOKEN_KEEPER, tokenKeeperOrchestrator);
df.app.activity(REFRESH_TOKEN_ACTIVITY, { handler: (input: RefreshInput) => refreshTokenActivity(processServices.get(), input) });

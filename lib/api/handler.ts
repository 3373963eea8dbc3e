import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { DurableClient } from "durable-functions";
import type { Services } from "../runtime/services";
import { errorResponse } from "./errorResponse";
import type { ApiContext } from "./syncRoutes";

/**
 * A DurableClient built on first use. df.getClient (what `df.app.client.http` runs before every
 * handler) clones the binding data, validates each webhook URL and creates an axios instance:
 * under load that was a large share of each API request, and most routes (tenants, held runs,
 * audit, a runs list with no sync in flight) never touch the client.
 */
export function lazyDurableClient(build: () => DurableClient): DurableClient {
  let real: DurableClient | undefined;
  return new Proxy({} as DurableClient, {
    get(_target, property) {
      real ??= build();
      const value: unknown = Reflect.get(real, property, real);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(real) : value;
    },
  });
}

/** The input binding an API route declares (`extraInputs`), so the host hands it a durable client. */
export function durableClientInputs(): ReturnType<typeof df.input.durableClient>[] {
  return [df.input.durableClient()];
}

/**
 * Wraps a route so functions/ stays a binding: builds the context (with a lazy durable client over
 * the route's durableClient input), maps every error to problem+json. Register it with `app.http`
 * and `extraInputs: durableClientInputs()`.
 */
export function apiRoute(services: () => Services, route: (api: ApiContext, params: Record<string, string>) => Promise<HttpResponseInit>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const client = lazyDurableClient(() => df.getClient(context));
      return await route({ services: services(), client, request }, request.params);
    } catch (error) {
      return errorResponse(error, (message, properties) => context.error(message, JSON.stringify(properties)));
    }
  };
}

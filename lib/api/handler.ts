import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import type { Services } from "../runtime/services";
import { errorResponse } from "./errorResponse";
import type { ApiContext } from "./syncRoutes";

/** Wraps a route so functions/ stays a binding: builds the context, maps every error to problem+json. */
export function apiRoute(services: () => Services, route: (api: ApiContext, params: Record<string, string>) => Promise<HttpResponseInit>) {
  return async (request: HttpRequest, client: DurableClient, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      return await route({ services: services(), client, request }, request.params);
    } catch (error) {
      return errorResponse(error, (message, properties) => context.error(message, JSON.stringify(properties)));
    }
  };
}

import Module from "node:module";

/**
 * Makes `require("@azure/functions-core")` resolve to our stand-in, as the Functions worker
 * does with its injected module. Jest ignores this hook; tests use `moduleNameMapper`.
 */
export function installCoreModuleHook(): void {
  const moduleWithResolver = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    __cleversyncCoreHook?: boolean;
  };
  if (moduleWithResolver.__cleversyncCoreHook) return;
  const target = require.resolve("./functionsCore");
  const original = moduleWithResolver._resolveFilename;
  moduleWithResolver._resolveFilename = function (request: string, ...rest: unknown[]): string {
    if (request === "@azure/functions-core") return target;
    return original.call(this, request, ...rest);
  };
  moduleWithResolver.__cleversyncCoreHook = true;
}

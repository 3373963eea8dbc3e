#!/usr/bin/env node
/**
 * Summarizes a V8 CPU profile (from `npm run bench -- --cpu-prof <dir>`): self time by function
 * and by package/area, so a missed target can be traced to what stands in its way.
 *
 *   node dist/lib/bench/profileSummary.js <file.cpuprofile> [top=25]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A readable area for a script URL: the npm package, the project directory, or node's internals. */
export function areaOf(url: string): string {
  if (!url) return "(native / V8)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const project = /\/dist\/((?:lib|functions)\/[^/]+)/.exec(url);
  if (project) return project[1]!;
  return url.replace(/^file:\/\//, "");
}

export function summarize(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const area = areaOf(frame.url);
    const where = /\/dist\/(.+)$/.exec(frame.url)?.[1] ?? /node_modules\/(.+)$/.exec(frame.url)?.[1] ?? area;
    const name = `${frame.functionName || "(anonymous)"} ${where}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
  const list = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `${pct(us)}  ${name}`)
      .join("\n");
  return [`profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(2)} s wall, ${(total / 1e6).toFixed(2)} s sampled`, "", "self time by area:", list(byArea), "", "self time by function:", list(byFunction)].join("\n");
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error("usage: profileSummary <file.cpuprofile> [top]");
    process.exitCode = 2;
  } else {
    console.log(summarize(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, top ? Number(top) : 25));
  }
}

/** What the numbers were measured on: they mean little without it. */
import { cpus, freemem, platform, release, totalmem } from "node:os";

export interface MachineDescription {
  cpus: number;
  model: string;
  memoryGb: number;
  freeMemoryGb: number;
  node: string;
  platform: string;
  kernel: string;
}

export function describeMachine(): MachineDescription {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    freeMemoryGb: Math.round((freemem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: platform(),
    kernel: release(),
  };
}

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLocalSettings, serveApp } from "../../lib/devhost/serve";

test("serveApp hosts the product's own functions: GET /api/health/live answers Healthy", async () => {
  const lines: string[] = [];
  const host = await serveApp({ port: 0, print: (line) => lines.push(line) });
  try {
    const response = await fetch(`${host.url}/api/health/live`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; totalDuration: string; entries: Record<string, { status: string }> };
    expect(body.status).toBe("Healthy");
    expect(body.totalDuration).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{7}$/);
    expect(body.entries.host.status).toBe("Healthy");
    expect(lines.join("\n")).toContain(`${host.url}/api/health/live`);
  } finally {
    await host.stop();
  }
});

test("local.settings.json values fill the environment without overriding it", () => {
  const dir = mkdtempSync(join(tmpdir(), "settings-"));
  writeFileSync(join(dir, "local.settings.json"), JSON.stringify({ IsEncrypted: false, Values: { CS_TEST_A: "from-file", CS_TEST_B: "from-file" } }));
  process.env.CS_TEST_B = "from-env";
  expect(loadLocalSettings(dir)).toEqual(["CS_TEST_A"]);
  expect(process.env.CS_TEST_A).toBe("from-file");
  expect(process.env.CS_TEST_B).toBe("from-env");
});

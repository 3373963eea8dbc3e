/**
 * Headless Chromium for browser tests: Debian's `chromium` package (installed by .ci/run), driven
 * by playwright-core, which never downloads a browser of its own. The flags keep Chromium off the
 * network it cannot reach here (background services, component updates) and run it as root.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function chromiumPath(): string {
  const found = CANDIDATES.find((candidate): candidate is string => Boolean(candidate) && existsSync(candidate!));
  if (!found) throw new Error("No Chromium found for the browser tests. Fix: install it (Debian: apt-get install chromium; .ci/run does this) or set CHROMIUM_PATH.");
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

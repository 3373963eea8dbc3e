import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirectory } from "../../lib/store/makeDirectory";

test("creates every missing level, and is a no-op for an existing directory", () => {
  const root = mkdtempSync(join(tmpdir(), "cleversync-mkdir-"));
  makeDirectory(join(root, "a", "b", "c"));
  expect(existsSync(join(root, "a", "b", "c"))).toBe(true);
  expect(() => makeDirectory(join(root, "a"))).not.toThrow();
});

test("fails at once where Node's recursive mkdir never returns (procfs answers ENOENT under an existing parent)", () => {
  expect(() => makeDirectory("/proc/cleversync-test/a/b")).toThrow(/ENOENT/);
});

test("a parent that is a file is an error, not a loop", () => {
  const root = mkdtempSync(join(tmpdir(), "cleversync-mkdir-"));
  writeFileSync(join(root, "file"), "");
  expect(() => makeDirectory(join(root, "file", "sub"))).toThrow(/ENOTDIR/);
});

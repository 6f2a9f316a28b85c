import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CACHE_FILE, setAsideBrokenCache } from "../../../../scripts/mutation/stryker";

function rootWithCache(text: string | undefined): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cache-"));
  if (text !== undefined) {
    fs.mkdirSync(path.dirname(path.join(root, CACHE_FILE)), { recursive: true });
    fs.writeFileSync(path.join(root, CACHE_FILE), text);
  }
  return root;
}

describe("setAsideBrokenCache", () => {
  it("moves an empty or cut-short cache aside, keeping its bytes", () => {
    for (const text of ["", '{"files": {"lib/a.ts": {"mutants": [']) {
      const root = rootWithCache(text);
      expect(setAsideBrokenCache(root)).toBe(`${CACHE_FILE}.unreadable`);
      expect(fs.existsSync(path.join(root, CACHE_FILE))).toBe(false);
      expect(fs.readFileSync(path.join(root, `${CACHE_FILE}.unreadable`), "utf8")).toBe(text);
      fs.rmSync(root, { recursive: true });
    }
  });

  it("leaves a cache that parses, and no cache, as they are", () => {
    const sound = rootWithCache('{"files": {}}');
    expect(setAsideBrokenCache(sound)).toBeUndefined();
    expect(fs.readFileSync(path.join(sound, CACHE_FILE), "utf8")).toBe('{"files": {}}');
    fs.rmSync(sound, { recursive: true });
    const none = rootWithCache(undefined);
    expect(setAsideBrokenCache(none)).toBeUndefined();
    expect(fs.existsSync(path.join(none, `${CACHE_FILE}.unreadable`))).toBe(false);
    fs.rmSync(none, { recursive: true });
  });
});

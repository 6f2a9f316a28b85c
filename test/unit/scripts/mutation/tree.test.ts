import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { codeHash, testImporters } from "../../../../scripts/mutation/tree";

const code = `export function pick(xs: string[], n: number): string[] {
  return xs.filter((x) => x.length > n);
}
`;

describe("codeHash", () => {
  it("is the same for code that differs only in layout, quotes, trailing commas and semicolons", async () => {
    const reformatted = `export function pick(xs: string[], n: number): string[]
{ return xs.filter(x => x.length > n,) }`;
    expect(await codeHash("lib/x.ts", reformatted)).toBe(await codeHash("lib/x.ts", code));
    expect(await codeHash("lib/x.ts", `const a = 'q';`)).toBe(
      await codeHash("lib/x.ts", `const a = "q";\n`),
    );
  });

  it("is the same when only a comment changed", async () => {
    const commented = `/** Keeps the long ones. */\n${code.replace("return", "// why\n  return")}`;
    expect(await codeHash("lib/x.ts", commented)).toBe(await codeHash("lib/x.ts", code));
  });

  it("changes with the code and with a Stryker disable comment", async () => {
    const h = await codeHash("lib/x.ts", code);
    expect(await codeHash("lib/x.ts", code.replace(">", ">="))).not.toBe(h);
    const disabled = code.replace("return", "// Stryker disable next-line all: reason\n  return");
    expect(await codeHash("lib/x.ts", disabled)).not.toBe(h);
  });
});

describe("testImporters", () => {
  it("finds the test files that import a file directly or through helpers under test/, not through other code", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "importers-"));
    const files: Record<string, string> = {
      "lib/a.ts": `export const a = 1;`,
      "lib/b.ts": `import { a } from "./a";\nexport const b = a;`,
      "test/unit/helper.ts": `export { b } from "../../lib/b";`,
      "test/unit/lib/a.test.ts": `import { a } from "../../../lib/a";`,
      "test/unit/lib/b.test.ts": `const m = await import("../helper");`,
    };
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), text);
    }
    const importers = testImporters(root, Object.keys(files));
    expect(importers.get("lib/a.ts")).toEqual(["test/unit/lib/a.test.ts"]);
    expect(importers.get("lib/b.ts")).toEqual(["test/unit/lib/b.test.ts"]);
    fs.rmSync(root, { recursive: true });
  });
});

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../lib/core/errors";
import { loadSpec } from "../../../../lib/spec/spec";

describe("loadSpec of a path that is no spec file", () => {
  it("names a folder given as the spec, and the fix", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-specdir-"));
    fs.mkdirSync(path.join(dir, "images"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\nruntime: nodejs\n");
    try {
      expect(() => loadSpec(path.join(dir, "images"))).toThrow(ValidationError);
      expect(() => loadSpec(path.join(dir, "images"))).toThrow(
        /images: cannot read the spec file \(EISDIR\); check the path/,
      );
      expect(() => loadSpec(path.join(dir, "images", "gone.yaml"))).toThrow(
        /gone\.yaml: cannot read the spec file \(ENOENT\); check the path/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { forbiddenImports } from "./purity";

const LIB = path.resolve(__dirname, "../../../lib");

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.name.endsWith(".ts") ? [full] : [];
  });
}

describe("lib/ purity", () => {
  it("finds the modules lib/ holds", () => {
    expect(tsFiles(LIB).length).toBeGreaterThan(20);
  });

  it("imports nothing from @pulumi/*, dockerode or an AWS SDK in any file under lib/", () => {
    const found = tsFiles(LIB).flatMap((file) =>
      forbiddenImports(fs.readFileSync(file, "utf8")).map(
        (spec) => `${path.relative(LIB, file)}: ${spec}`,
      ),
    );
    expect(found).toEqual([]);
  });
});

describe("forbiddenImports", () => {
  it("catches every way a module can be loaded", () => {
    const src = [
      'import * as pulumi from "@pulumi/pulumi";',
      'import type Dockerode from "dockerode";',
      "import { EC2 } from '@aws-sdk/client-ec2';",
      'const log = require("@pulumi/pulumi/log");',
      'const sdk = await import("aws-sdk");',
      'export { x } from "@pulumi/aws";',
    ].join("\n");
    expect(forbiddenImports(src)).toEqual([
      "@pulumi/pulumi",
      "dockerode",
      "@aws-sdk/client-ec2",
      "@pulumi/pulumi/log",
      "aws-sdk",
      "@pulumi/aws",
    ]);
  });

  it("lets node built-ins, zod, yaml and relative imports through", () => {
    const src = [
      'import { createHash } from "node:crypto";',
      'import { z } from "zod";',
      'import YAML from "yaml";',
      'import { LABELS } from "../core/identifiers";',
      "// a comment naming @pulumi/pulumi is not an import",
    ].join("\n");
    expect(forbiddenImports(src)).toEqual([]);
  });
});

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { providerCodeDigest, serializedProvider } from "../../../providers/dynamicResource";
import { localNetworkProvider } from "../../../providers/local/network/localNetwork";

function valueOf(input: pulumi.Input<string>): Promise<string> {
  return new Promise((resolve) => pulumi.output(input).apply(resolve));
}

/** A throwaway checkout with the given files (path -> content). */
function checkout(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-digest-"));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

describe("serializedProvider", () => {
  it(
    "serves from its cache exactly the text a fresh serialization gives",
    { timeout: 60_000 },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-provider-cache-"));
      // What pulumi.dynamic.Resource serializes (dynamic/index.js: `() => provider`).
      const provider = localNetworkProvider;
      const fresh = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
      const first = await valueOf(serializedProvider(localNetworkProvider, "LocalNetwork", dir));
      const [file] = fs.readdirSync(dir);
      expect(file).toMatch(new RegExp(`^LocalNetwork-${providerCodeDigest()}-[0-9a-f]{16}\\.js$`));
      const cached = serializedProvider(localNetworkProvider, "LocalNetwork", dir);
      expect(typeof cached).toBe("string"); // read from the file, nothing serialized
      expect(first).toBe(fresh.text);
      expect(cached).toBe(fresh.text);
    },
  );

  it(
    "keeps a provider whose methods compiled to other code apart",
    { timeout: 60_000 },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-provider-cache-"));
      const a = {
        async create() {
          return { id: "a" };
        },
      };
      const b = {
        async create() {
          return { id: "b" };
        },
      };
      const textA = await valueOf(serializedProvider(a, "X", dir));
      const textB = await valueOf(serializedProvider(b, "X", dir));
      expect(fs.readdirSync(dir)).toHaveLength(2);
      expect(textA).toMatch(/id: "a"/);
      expect(textB).toMatch(/id: "b"/);
    },
  );
});

describe("serializedProvider's cache", () => {
  it(
    "keeps the newest 8 versions of a provider and drops older ones",
    { timeout: 60_000 },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-provider-cache-"));
      for (let i = 0; i < 10; i++) {
        const old = path.join(dir, `X-old${i}.js`);
        fs.writeFileSync(old, "");
        fs.utimesSync(old, new Date(1000 * i), new Date(1000 * i));
      }
      fs.writeFileSync(path.join(dir, "Y-other.js"), "");
      await valueOf(
        serializedProvider(
          {
            async create() {
              return { id: "x" };
            },
          },
          "X",
          dir,
        ),
      );
      const left = fs.readdirSync(dir).sort();
      expect(left.filter((f) => f.startsWith("X-"))).toHaveLength(8);
      expect(left).not.toContain("X-old0.js");
      expect(left).toContain("X-old9.js");
      expect(left).toContain("Y-other.js");
    },
  );
});

describe("providerCodeDigest", () => {
  const files = {
    "providers/local/x.ts": "export const x = 1;\n",
    "lib/core/y.ts": "export const y = 2;\n",
    "components/z.ts": "export const z = 3;\n",
    "package-lock.json": "{}\n",
  };

  it("is the same for two checkouts of the same code", () => {
    expect(providerCodeDigest(checkout(files))).toBe(providerCodeDigest(checkout(files)));
  });

  it("changes with any source under providers/ or lib/, or the lock file", () => {
    const base = providerCodeDigest(checkout(files));
    for (const file of ["providers/local/x.ts", "lib/core/y.ts", "package-lock.json"]) {
      const changed = checkout({ ...files, [file]: `${files[file as keyof typeof files]} ` });
      expect(providerCodeDigest(changed), file).not.toBe(base);
    }
    expect(providerCodeDigest(checkout({ ...files, "lib/core/new.ts": "" }))).not.toBe(base);
  });

  it("ignores code the providers never carry (components/)", () => {
    const base = providerCodeDigest(checkout(files));
    expect(providerCodeDigest(checkout({ ...files, "components/z.ts": "changed" }))).toBe(base);
  });
});

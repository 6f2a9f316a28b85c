import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { splitUstarPath, tarArchive } from "../../../lib/tar";

const dir = mkdtempSync(join(tmpdir(), "phoenix-tar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tarArchive", () => {
  const longDir = "app/" + "d".repeat(120);
  const entries = [
    { path: "Dockerfile", content: Buffer.from("FROM scratch\n"), mode: 0o644 },
    { path: "app/bin/start.sh", content: Buffer.from("#!/bin/sh\necho hi\n"), mode: 0o755 },
    { path: `${longDir}/file.txt`, content: Buffer.alloc(1500, 0x61), mode: 0o600 },
    { path: "config/0", content: Buffer.alloc(0), mode: 0o644 },
  ];

  it("writes an archive GNU tar extracts with the same paths, contents and modes", () => {
    const archive = join(dir, "ctx.tar");
    writeFileSync(archive, tarArchive(entries));
    const out = join(dir, "out");
    execFileSync("mkdir", ["-p", out]);
    execFileSync("tar", ["-xf", archive, "-C", out]);
    for (const entry of entries) {
      expect(readFileSync(join(out, entry.path))).toEqual(entry.content);
      expect(statSync(join(out, entry.path)).mode & 0o777).toBe(entry.mode);
    }
    const listing = execFileSync("tar", ["-tf", archive]).toString().trim().split("\n");
    expect(listing).toEqual(entries.map((e) => e.path));
  });

  it("gives identical bytes for identical inputs (no timestamps)", () => {
    expect(tarArchive(entries).equals(tarArchive(entries))).toBe(true);
  });

  it("pads every file to 512-byte blocks and ends with two zero blocks", () => {
    const buf = tarArchive([{ path: "a", content: Buffer.from("x"), mode: 0o644 }]);
    expect(buf.length).toBe(512 * 4);
    expect(buf.subarray(1024).every((b) => b === 0)).toBe(true);
  });

  it("rejects a duplicate path, naming it", () => {
    const e = { path: "app/x", content: Buffer.from(""), mode: 0o644 };
    expect(() => tarArchive([e, e])).toThrow(/"app\/x" appears twice/);
  });
});

describe("splitUstarPath", () => {
  it("keeps short paths in the name field", () => {
    expect(splitUstarPath("app/server.js")).toEqual({ prefix: "", name: "app/server.js" });
  });

  it("rejects absolute and escaping paths", () => {
    expect(() => splitUstarPath("/etc/passwd")).toThrow(/must be relative/);
    expect(() => splitUstarPath("app/../../x")).toThrow(/must be relative/);
  });

  it("rejects a file name longer than 100 bytes, saying what to shorten", () => {
    expect(() => splitUstarPath("app/" + "n".repeat(101))).toThrow(/too long for ustar.*shorten/);
  });
});

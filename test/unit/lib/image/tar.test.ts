import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tarArchive } from "../../../../lib/image/tar";

const dir = mkdtempSync(join(tmpdir(), "phoenix-tar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tarArchive", () => {
  const longPath = `app/${"d".repeat(120)}/${"f".repeat(110)}.txt`;
  const entries = [
    { path: "Dockerfile", content: Buffer.from("FROM scratch\n"), mode: 0o644 },
    { path: "app/bin/start.sh", content: Buffer.from("#!/bin/sh\necho hi\n"), mode: 0o755 },
    { path: longPath, content: Buffer.alloc(1500, 0x61), mode: 0o600 },
    { path: "config/0", content: Buffer.alloc(0), mode: 0o644 },
  ];

  it("writes an archive GNU tar extracts with the same paths, contents and modes", async () => {
    const archive = join(dir, "ctx.tar");
    writeFileSync(archive, await tarArchive(entries));
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

  it("gives identical bytes for identical inputs (no timestamps, no owners)", async () => {
    const [a, b] = await Promise.all([tarArchive(entries), tarArchive(entries)]);
    expect(a.equals(b)).toBe(true);
    const verbose = execFileSync("tar", ["-tvf", "-", "--numeric-owner"], { input: a }).toString();
    expect(verbose).toMatch(/ 0\/0 .* 1970-01-01 /);
  });

  it("rejects a duplicate path, naming it", async () => {
    const e = { path: "app/x", content: Buffer.from(""), mode: 0o644 };
    await expect(tarArchive([e, e])).rejects.toThrow(/"app\/x" appears twice/);
  });

  it("rejects absolute and escaping paths", async () => {
    const at = (path: string) => [{ path, content: Buffer.from(""), mode: 0o644 }];
    await expect(tarArchive(at("/etc/passwd"))).rejects.toThrow(/must be relative/);
    await expect(tarArchive(at("app/../../x"))).rejects.toThrow(/must be relative/);
  });
});

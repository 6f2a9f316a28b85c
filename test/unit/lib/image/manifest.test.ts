import { describe, expect, it } from "vitest";
import {
  MANIFEST_PATH,
  diffManifests,
  formatManifest,
  parseManifest,
  summarizePackageChanges,
  upstreamVersion,
} from "../../../../lib/image/manifest";

const OLD = parseManifest(
  [
    "openssl 3.0.20-1~deb12u2 amd64",
    "libssl3 3.0.20-1~deb12u2 amd64",
    "libc6 2.36-9+deb12u14 amd64",
    "tzdata 2026b-0+deb12u1 all",
    "ca-certificates 20230311+deb12u1 all",
    "",
  ].join("\n"),
);
const NEW = parseManifest(
  [
    "libc6 2.36-9+deb12u14 amd64",
    "libssl3 3.0.22-1~deb12u2 amd64",
    "openssl 3.0.22-1~deb12u2 amd64",
    "tzdata 2026f-0+deb12u1 all",
    "libbrotli1 1.0.9-2+b6 amd64",
  ].join("\n"),
);

describe("parseManifest", () => {
  it("reads name version architecture lines, sorted by name", () => {
    expect(OLD.map((p) => p.name)).toEqual([
      "ca-certificates",
      "libc6",
      "libssl3",
      "openssl",
      "tzdata",
    ]);
    expect(OLD[2]).toEqual({ name: "libssl3", version: "3.0.20-1~deb12u2", architecture: "amd64" });
  });

  it("rejects a line that is not name version architecture, naming the line", () => {
    expect(() => parseManifest("openssl 3.0.20\n")).toThrow(
      `${MANIFEST_PATH}: line 1 is not "name version architecture": "openssl 3.0.20"`,
    );
  });
});

describe("formatManifest", () => {
  it("prints name version lines", () => {
    expect(formatManifest(NEW.slice(0, 2))).toBe("libbrotli1 1.0.9-2+b6\nlibc6 2.36-9+deb12u14\n");
  });
});

describe("diffManifests", () => {
  it("lists every package added, removed or moved, pinned or not, and nothing unchanged", () => {
    expect(diffManifests(OLD, NEW)).toEqual([
      { name: "ca-certificates", from: "20230311+deb12u1", to: undefined },
      { name: "libbrotli1", from: undefined, to: "1.0.9-2+b6" },
      { name: "libssl3", from: "3.0.20-1~deb12u2", to: "3.0.22-1~deb12u2" },
      { name: "openssl", from: "3.0.20-1~deb12u2", to: "3.0.22-1~deb12u2" },
      { name: "tzdata", from: "2026b-0+deb12u1", to: "2026f-0+deb12u1" },
    ]);
    expect(diffManifests(NEW, NEW)).toEqual([]);
  });

  it("tells architectures apart when a package is installed for two", () => {
    const a = parseManifest("libc6 2.36-9 amd64\nlibc6 2.36-9 i386\n");
    const b = parseManifest("libc6 2.36-9 amd64\nlibc6 2.36-10 i386\n");
    expect(diffManifests(a, b)).toEqual([
      {
        name: "libc6",
        from: "2.36-9 (amd64), 2.36-9 (i386)",
        to: "2.36-9 (amd64), 2.36-10 (i386)",
      },
    ]);
  });
});

describe("summarizePackageChanges", () => {
  const changes = diffManifests(OLD, NEW);

  it("leads with a pinned package and counts the rest", () => {
    expect(summarizePackageChanges(changes, { lead: ["openssl", "libssl3"] })).toBe(
      "libssl3 3.0.20 -> 3.0.22 and 4 more packages",
    );
    expect(summarizePackageChanges(changes, { lead: ["openssl"], show: 2 })).toBe(
      "openssl 3.0.20 -> 3.0.22, ca-certificates 20230311+deb12u1 removed and 3 more packages",
    );
  });

  it("shows whole versions when only the Debian revision moved, and says when nothing did", () => {
    const rev = [{ name: "zlib1g", from: "1:1.2.13.dfsg-1", to: "1:1.2.13.dfsg-1+b1" }];
    expect(summarizePackageChanges(rev)).toBe("zlib1g 1:1.2.13.dfsg-1 -> 1:1.2.13.dfsg-1+b1");
    expect(summarizePackageChanges([])).toBe("no package changes");
  });
});

describe("upstreamVersion", () => {
  it("drops the Debian revision and keeps the epoch", () => {
    expect(upstreamVersion("1:3.0.22-1~deb12u2")).toBe("1:3.0.22");
    expect(upstreamVersion("20230311+deb12u1")).toBe("20230311+deb12u1");
  });
});

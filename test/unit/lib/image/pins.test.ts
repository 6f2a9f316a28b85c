import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  archiveFrom,
  checkPins,
  formatPinReport,
  missingVersions,
  parseAptPolicy,
  parseAptShow,
  planPinUpdate,
} from "../../../../lib/image/pins";

// Recorded from a bookworm machine with the official image's sources (bookworm, bookworm-updates,
// bookworm-security); openssl, libssl3 and nodejs are installed there, so the dpkg status rows occur.
const fixture = (f: string) => fs.readFileSync(path.join(__dirname, "fixtures", f), "utf8");
const archive = archiveFrom(fixture("apt-policy.txt"), fixture("apt-show.txt"));

describe("parseAptPolicy", () => {
  it("reads the candidate and every version with the suites that publish it", () => {
    const openssl = parseAptPolicy(fixture("apt-policy.txt")).get("openssl")!;
    expect(openssl.candidate).toBe("3.0.22-1~deb12u2");
    expect(openssl.versions).toEqual([
      { version: "3.0.22-1~deb12u2", suites: ["bookworm-security"] },
      { version: "3.0.20-1~deb12u2", suites: ["bookworm"] },
      { version: "3.0.19-1~deb12u2", suites: [] },
      { version: "3.0.17-1~deb12u2", suites: ["bookworm-updates"] },
    ]);
  });

  it("leaves out a package apt does not know", () => {
    expect(parseAptPolicy(fixture("apt-policy.txt")).has("nosuchpkg")).toBe(false);
  });

  it("reads a candidate of (none) as no candidate", () => {
    const p = parseAptPolicy("foo:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n");
    expect(p.get("foo")).toEqual({ versions: [] });
  });
});

describe("parseAptShow", () => {
  it("names the source package of each version, the package itself when no Source field", () => {
    const show = parseAptShow(fixture("apt-show.txt"));
    expect(show.get("libssl3")!["3.0.22-1~deb12u2"]).toBe("openssl");
    expect(show.get("openssl")!["3.0.22-1~deb12u2"]).toBe("openssl");
    expect(parseAptShow("Package: a\nSource: b (1.0-1)\nVersion: 1.0-1+b1\n").get("a")).toEqual({
      "1.0-1+b1": "b",
    });
  });
});

describe("checkPins", () => {
  it("says present with the suites, rotten with what is available now, unknown for no package", () => {
    const statuses = checkPins(
      { "nginx-light": "1.22.1-9+deb12u11", openssl: "3.0.20-1~deb12u2", nosuchpkg: "1.0" },
      archive,
    );
    expect(statuses).toEqual([
      {
        name: "nginx-light",
        pinned: "1.22.1-9+deb12u11",
        state: "rotten",
        available: [
          { version: "1.22.1-9+deb12u12", suites: ["bookworm-security"] },
          { version: "1.22.1-9+deb12u9", suites: ["bookworm"] },
        ],
      },
      { name: "openssl", pinned: "3.0.20-1~deb12u2", state: "present", suites: ["bookworm"] },
      { name: "nosuchpkg", pinned: "1.0", state: "unknown" },
    ]);
  });

  it("counts a version only installed on the reading machine as rotten", () => {
    const [s] = checkPins({ openssl: "3.0.19-1~deb12u2" }, archive);
    expect(s.state).toBe("rotten");
  });
});

describe("formatPinReport", () => {
  it("names each rotten pin, the versions per suite, and the command that fixes it", () => {
    const text = formatPinReport(
      "images/x.yaml",
      checkPins({ "nginx-light": "1.22.1-9+deb12u11", openssl: "3.0.20-1~deb12u2" }, archive),
    );
    expect(text).toBe(
      "  rotten  nginx-light 1.22.1-9+deb12u11: not in the archive; available now: " +
        "1.22.1-9+deb12u12 (bookworm-security), 1.22.1-9+deb12u9 (bookworm)\n" +
        "  ok      openssl 3.0.20-1~deb12u2 (bookworm)\n" +
        "images/x.yaml: 1 of 2 pins are not in the archive; fix with: npx phoenix pins update images/x.yaml\n",
    );
  });

  it("says all present when they are", () => {
    const text = formatPinReport("s.yaml", checkPins({ openssl: "3.0.22-1~deb12u2" }, archive));
    expect(text).toMatch(/s\.yaml: all 1 pins are in the archive\n$/);
  });
});

describe("planPinUpdate", () => {
  it("moves only rotten pins to apt's candidate", () => {
    const moves = planPinUpdate(
      { "nginx-light": "1.22.1-9+deb12u11", nodejs: "18.20.4+dfsg-1~deb12u2" },
      archive,
    );
    expect(moves).toEqual([
      { name: "nginx-light", from: "1.22.1-9+deb12u11", to: "1.22.1-9+deb12u12", reason: "rotten" },
    ]);
  });

  it("moves packages of the same source in step, even when only one of them rotted", () => {
    const moves = planPinUpdate(
      { openssl: "3.0.19-1~deb12u2", libssl3: "3.0.20-1~deb12u2" },
      archive,
    );
    expect(moves).toEqual([
      { name: "openssl", from: "3.0.19-1~deb12u2", to: "3.0.22-1~deb12u2", reason: "rotten" },
      { name: "libssl3", from: "3.0.20-1~deb12u2", to: "3.0.22-1~deb12u2", reason: "same source" },
    ]);
  });

  it("moves every pin with all, never to a version no suite publishes", () => {
    const moves = planPinUpdate(
      {
        openssl: "3.0.20-1~deb12u2",
        nodejs: "18.20.4+dfsg-1~deb12u2",
        "nginx-light": "1.22.1-9+deb12u12",
      },
      archive,
      { all: true },
    );
    expect(moves).toEqual([
      { name: "openssl", from: "3.0.20-1~deb12u2", to: "3.0.22-1~deb12u2", reason: "all" },
      // the recording machine's candidate is a locally installed nodejs: the archive's highest instead
      {
        name: "nodejs",
        from: "18.20.4+dfsg-1~deb12u2",
        to: "18.20.4+dfsg-1~deb12u3",
        reason: "all",
      },
    ]);
  });

  it("refuses a package the archive does not know, naming it", () => {
    expect(() => planPinUpdate({ nosuchpkg: "1.0" }, archive)).toThrow(
      /^packages\.nosuchpkg: no such package in the base image's archive; fix the package name/,
    );
  });
});

describe("missingVersions", () => {
  it("finds apt's missing-version lines through terminal colour codes", () => {
    const out =
      "Step 2/9 : RUN apt-get update\n\x1b[91mE: Version '9.9.9-1' for 'openssl' was not found\n\x1b[0m" +
      "E: Version '1.0' for 'libssl3' was not found\n";
    expect(missingVersions(out)).toEqual([
      { name: "openssl", version: "9.9.9-1" },
      { name: "libssl3", version: "1.0" },
    ]);
  });
});

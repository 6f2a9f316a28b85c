import { describe, expect, it } from "vitest";
import { setPackageVersions } from "../../../../lib/spec/specEdit";

const SPEC = `# The example.
name: web
base: debian:bookworm-slim
packages:
  nodejs: 18.20.4+dfsg-1~deb12u3
  openssl: "3.0.20-1~deb12u2"   # quoted on purpose
  libssl3: 3.0.20-1~deb12u2 # openssl requires libssl3 at the same version
app: { version: v1, source: ../app, command: [node, server.js], port: 8080 }
`;

describe("setPackageVersions", () => {
  it("changes only the versions, keeping comments, quoting and flow maps byte for byte", () => {
    const out = setPackageVersions(SPEC, {
      openssl: "3.0.22-1~deb12u2",
      libssl3: "3.0.22-1~deb12u2",
    });
    expect(out).toBe(
      SPEC.replace('"3.0.20-1~deb12u2"', '"3.0.22-1~deb12u2"').replace(
        "libssl3: 3.0.20-1~deb12u2",
        "libssl3: 3.0.22-1~deb12u2",
      ),
    );
  });

  it("refuses a package the file does not pin, naming it", () => {
    expect(() => setPackageVersions(SPEC, { curl: "1" })).toThrow(
      /^packages\.curl: not a plain version in the file/,
    );
  });
});

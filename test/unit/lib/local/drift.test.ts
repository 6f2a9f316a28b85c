import { describe, expect, it } from "vitest";
import {
  classifyDrift,
  describeDrift,
  isScratch,
  meaningfulChanges,
} from "../../../../lib/local/drift";

const IMAGE = "sha256:" + "a".repeat(64);
const fresh = { exists: true, running: true, imageId: IMAGE, healthy: true, changes: [] };
const expected = { imageId: IMAGE, scratch: ["/tmp", "/run/app/"] };

describe("classifyDrift", () => {
  it("reports nothing for a running, healthy, unmodified instance of the expected image", () => {
    expect(classifyDrift(fresh, expected)).toBeUndefined();
  });

  it("reports a missing container with only the reason missing", () => {
    expect(classifyDrift({ ...fresh, exists: false }, expected)).toEqual({
      reasons: ["missing"],
      changes: [],
    });
  });

  it("reports an exited container, and does not call a stopped container unhealthy", () => {
    expect(classifyDrift({ ...fresh, running: false, healthy: false }, expected)?.reasons).toEqual([
      "exited",
    ]);
  });

  it("reports a container running another image", () => {
    const other = "sha256:" + "b".repeat(64);
    expect(classifyDrift({ ...fresh, imageId: other }, expected)?.reasons).toEqual(["wrong-image"]);
  });

  it("reports an instance failing its health check", () => {
    expect(classifyDrift({ ...fresh, healthy: false }, expected)?.reasons).toEqual(["unhealthy"]);
  });

  it("reports a snowflake with the file edited by hand, ignoring scratch paths", () => {
    const changes = [
      { Path: "/etc", Kind: 0 },
      { Path: "/etc/ssl", Kind: 0 },
      { Path: "/etc/ssl/openssl.cnf", Kind: 0 },
      { Path: "/tmp", Kind: 0 },
      { Path: "/tmp/cache.json", Kind: 1 },
      { Path: "/run/app/pid", Kind: 1 },
    ];
    expect(classifyDrift({ ...fresh, changes }, expected)).toEqual({
      reasons: ["snowflake"],
      changes: ["C /etc/ssl/openssl.cnf"],
    });
  });

  it("reports a package installed by hand as added files, and every reason that applies", () => {
    const changes = [
      { Path: "/usr/bin", Kind: 0 },
      { Path: "/usr/bin/strace", Kind: 1 },
      { Path: "/var/lib/dpkg/status", Kind: 0 },
    ];
    const drift = classifyDrift({ ...fresh, healthy: false, changes }, expected);
    expect(drift?.reasons).toEqual(["unhealthy", "snowflake"]);
    expect(drift?.changes).toEqual(["A /usr/bin/strace", "C /var/lib/dpkg/status"]);
  });
});

describe("isScratch", () => {
  it("matches the scratch path itself and paths below it, not siblings with the same prefix", () => {
    expect(isScratch("/tmp", ["/tmp"])).toBe(true);
    expect(isScratch("/tmp/x/y", ["/tmp"])).toBe(true);
    expect(isScratch("/tmpfile", ["/tmp"])).toBe(false);
    expect(isScratch("/run/app", ["/run/app/"])).toBe(true);
  });
});

describe("meaningfulChanges", () => {
  it("keeps a modified directory that has no listed child, e.g. a changed mode", () => {
    expect(meaningfulChanges([{ Path: "/srv", Kind: 0 }], [])).toEqual(["C /srv"]);
  });

  it("keeps a deleted file and marks it D", () => {
    expect(meaningfulChanges([{ Path: "/app/server.js", Kind: 2 }], [])).toEqual([
      "D /app/server.js",
    ]);
  });
});

describe("describeDrift", () => {
  it("names the instance, the reasons, the paths and what happens next", () => {
    const line = describeDrift("dev-web-1", {
      reasons: ["snowflake"],
      changes: ["A /usr/bin/strace"],
    });
    expect(line).toBe(
      "dev-web-1: snowflake [A /usr/bin/strace]; the next `pulumi up` replaces it from the same image",
    );
  });

  it("shortens long path lists", () => {
    const changes = Array.from({ length: 12 }, (_, i) => `A /x/${i}`);
    expect(describeDrift("i", { reasons: ["snowflake"], changes }, 2)).toContain(
      "A /x/1, +10 more]",
    );
  });
});

describe("meaningfulChanges", () => {
  it("ignores Docker's init mount point and the directories above it", () => {
    const changes = [
      { Path: "/usr", Kind: 0 },
      { Path: "/usr/sbin", Kind: 0 },
      { Path: "/usr/sbin/docker-init", Kind: 1 },
    ];
    expect(meaningfulChanges(changes, ["/tmp"])).toEqual([]);
  });

  it("ignores the directories above a nested scratch path, and still reports a file beside it", () => {
    const changes = [
      { Path: "/var", Kind: 0 },
      { Path: "/var/cache", Kind: 0 },
      { Path: "/var/cache/web", Kind: 0 },
      { Path: "/var/cache/web/x", Kind: 1 },
      { Path: "/usr/sbin", Kind: 0 },
      { Path: "/usr/sbin/docker-init", Kind: 1 },
      { Path: "/usr/sbin/strace", Kind: 1 },
    ];
    expect(meaningfulChanges(changes, ["/var/cache/web"])).toEqual(["A /usr/sbin/strace"]);
  });
});

describe("classifyDrift and the front door's pool", () => {
  it("reports a healthy instance the front door does not serve as out-of-pool", () => {
    expect(classifyDrift({ ...fresh, inPool: false }, expected)?.reasons).toEqual(["out-of-pool"]);
  });

  it("does not add out-of-pool to an unhealthy instance, nor without a front door to ask", () => {
    expect(classifyDrift({ ...fresh, healthy: false, inPool: false }, expected)?.reasons).toEqual([
      "unhealthy",
    ]);
    expect(classifyDrift({ ...fresh, inPool: undefined }, expected)).toBeUndefined();
  });
});

describe("isScratch with a trailing slash or the root", () => {
  it("treats a scratch path written with a trailing slash like the same path without it", () => {
    expect(isScratch("/run/app/pid", ["/run/app/"])).toBe(true);
    expect(isScratch("/run/application", ["/run/app/"])).toBe(false);
    expect(isScratch("/run", ["/run/app/"])).toBe(false);
  });

  it("treats every path as scratch when / is a scratch path", () => {
    expect(isScratch("/", ["/"])).toBe(true);
    expect(isScratch("/etc/passwd", ["/"])).toBe(true);
    expect(isScratch("/usr/bin/strace", ["/tmp", "/"])).toBe(true);
  });

  it("matches no path without scratch paths", () => {
    expect(isScratch("/tmp", [])).toBe(false);
  });
});

describe("meaningfulChanges: directories, order and kinds", () => {
  it("reports nothing when / is a scratch path", () => {
    const changes = [
      { Path: "/etc", Kind: 0 },
      { Path: "/etc/hosts", Kind: 0 },
      { Path: "/usr/bin/strace", Kind: 1 },
    ];
    expect(meaningfulChanges(changes, ["/"])).toEqual([]);
  });

  it("keeps a modified file whose name begins the name of a changed directory beside it", () => {
    const changes = [
      { Path: "/etc", Kind: 0 },
      { Path: "/etc/hosts", Kind: 0 },
      { Path: "/etc/hosts.d", Kind: 0 },
      { Path: "/etc/hosts.d/extra", Kind: 1 },
    ];
    expect(meaningfulChanges(changes, [])).toEqual(["C /etc/hosts", "A /etc/hosts.d/extra"]);
  });

  it("keeps an added directory together with the files added in it", () => {
    const changes = [
      { Path: "/opt", Kind: 0 },
      { Path: "/opt/tool", Kind: 1 },
      { Path: "/opt/tool/run", Kind: 1 },
    ];
    expect(meaningfulChanges(changes, [])).toEqual(["A /opt/tool", "A /opt/tool/run"]);
  });

  it("sorts the changes by path, whatever order Docker lists them in, upper case before lower case", () => {
    const changes = [
      { Path: "/var/log/app.log", Kind: 1 },
      { Path: "/etc/motd", Kind: 0 },
      { Path: "/app/a.js", Kind: 0 },
      { Path: "/usr/bin/strace", Kind: 1 },
      { Path: "/app/Z.js", Kind: 2 },
    ];
    expect(meaningfulChanges(changes, [])).toEqual([
      "D /app/Z.js",
      "C /app/a.js",
      "C /etc/motd",
      "A /usr/bin/strace",
      "A /var/log/app.log",
    ]);
  });

  it("marks a change of a kind Docker does not document with ?", () => {
    expect(meaningfulChanges([{ Path: "/srv/x", Kind: 3 }], [])).toEqual(["? /srv/x"]);
  });
});

describe("classifyDrift without an image id", () => {
  it("does not call an instance whose image id refresh could not read wrong-image", () => {
    const { imageId: _unknown, ...noImage } = fresh;
    expect(classifyDrift(noImage, expected)).toBeUndefined();
    expect(classifyDrift({ ...noImage, running: false }, expected)?.reasons).toEqual(["exited"]);
  });
});

describe("describeDrift: reasons and paths", () => {
  it("leaves out the bracketed path list when no path changed", () => {
    expect(describeDrift("dev-web-0", { reasons: ["exited"], changes: [] })).toBe(
      "dev-web-0: exited; the next `pulumi up` replaces it from the same image",
    );
  });

  it("separates several reasons and several paths with commas", () => {
    const line = describeDrift("dev-web-2", {
      reasons: ["unhealthy", "snowflake"],
      changes: ["A /usr/bin/strace", "C /etc/motd"],
    });
    expect(line).toBe(
      "dev-web-2: unhealthy, snowflake [A /usr/bin/strace, C /etc/motd]; the next `pulumi up` replaces it from the same image",
    );
  });

  it("lists every path when there are no more than maxPaths", () => {
    const changes = ["A /x/0", "A /x/1"];
    expect(describeDrift("i", { reasons: ["snowflake"], changes }, 2)).toBe(
      "i: snowflake [A /x/0, A /x/1]; the next `pulumi up` replaces it from the same image",
    );
  });
});

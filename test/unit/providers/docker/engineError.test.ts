import { describe, expect, it } from "vitest";
import { engineAddress, engineError } from "../../../../providers/docker/client";

describe("engineError", () => {
  it("names the engine's address, why, and the fix when no engine answers", () => {
    const err = engineError(
      Object.assign(new Error("connect ENOENT /x.sock"), { code: "ENOENT" }),
      "/x.sock",
    );
    expect((err as Error).message).toBe(
      "Docker engine at /x.sock: no Docker engine answers there (ENOENT); start one (`npm run setup` " +
        "starts Debian's docker.io where none runs) or point DOCKER_HOST at a running engine",
    );
    const refused = engineError(Object.assign(new Error("x"), { code: "ECONNREFUSED" }), "h:2375");
    expect((refused as Error).message).toMatch(
      /^Docker engine at h:2375: no Docker engine answers there/,
    );
  });

  it("says a user without access may not use it", () => {
    const err = engineError(
      Object.assign(new Error("x"), { code: "EACCES" }),
      "/var/run/docker.sock",
    );
    expect((err as Error).message).toMatch(/this user may not use it \(add it to the docker group/);
  });

  it("leaves every other error as it was", () => {
    const other = Object.assign(new Error("(HTTP code 500) server error"), { statusCode: 500 });
    expect(engineError(other, "/x.sock")).toBe(other);
  });
});

describe("engineError on a full disk", () => {
  it("says the engine's disk is full first, with the fix, then Docker's words", () => {
    const raw = new Error(
      "(HTTP code 500) server error - write /var/lib/docker/tmp/x: no space left on device",
    );
    const err = engineError(raw, "/var/run/docker.sock") as Error;
    expect(err.message.split("\n")).toEqual([
      "Docker engine at /var/run/docker.sock: the Docker engine's disk is full (no space left on " +
        "device); free space (`docker system df` shows what uses it, `docker image prune` removes " +
        "images no container uses) and run again",
      raw.message,
    ]);
  });

  it("names the socket docker-modem found, never the function that finds it", () => {
    const find = () => Promise.resolve("/var/run/docker.sock");
    expect(engineAddress({ socketPath: find, socketPathCache: "/var/run/docker.sock" })).toBe(
      "/var/run/docker.sock",
    );
    expect(engineAddress({ socketPath: find })).toBe("the default Docker socket");
    expect(engineAddress({ socketPath: "/x.sock" })).toBe("/x.sock");
    expect(engineAddress({ host: "h", port: 2375 })).toBe("h:2375");
  });
});

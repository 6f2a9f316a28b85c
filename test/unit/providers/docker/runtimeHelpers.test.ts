/** The Docker providers' synchronous helpers: error reading, stream demuxing, addresses, records. */
import type { ContainerInspectInfo } from "dockerode";
import { describe, expect, it } from "vitest";
import { dockerStatus, isNotFound } from "../../../../providers/docker/client";
import {
  demux,
  failedInstance,
  healthGateError,
  ipOn,
} from "../../../../providers/docker/dockerRuntime";
import { testedRecordRef } from "../../../../providers/docker/imageTests";

/** One frame of Docker's multiplexed stream: stream byte, 3 zero bytes, size (uint32 BE), payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe("dockerStatus and isNotFound", () => {
  it("read the HTTP status of an Engine API error", () => {
    expect(dockerStatus({ statusCode: 409, message: "conflict" })).toBe(409);
    expect(isNotFound({ statusCode: 404 })).toBe(true);
    expect(isNotFound({ statusCode: 409 })).toBe(false);
  });

  it("see no status in anything else", () => {
    for (const err of [
      undefined,
      null,
      "404",
      404,
      new Error("no such container"),
      { statusCode: "404" },
    ]) {
      expect(dockerStatus(err), String(err)).toBeUndefined();
      expect(isNotFound(err)).toBe(false);
    }
  });
});

describe("demux", () => {
  it("splits stdout and stderr frames, keeping each stream's order", () => {
    const raw = Buffer.concat([
      frame(1, "out 1\n"),
      frame(2, "err 1\n"),
      frame(1, "out 2\n"),
      frame(2, "é\n"),
    ]);
    expect(demux(raw)).toEqual({ stdout: "out 1\nout 2\n", stderr: "err 1\né\n" });
  });

  it("keeps an empty frame from swallowing the next one", () => {
    expect(demux(Buffer.concat([frame(1, ""), frame(2, "x")]))).toEqual({
      stdout: "",
      stderr: "x",
    });
  });

  it("ignores a truncated header at the end, and reads nothing from nothing", () => {
    expect(demux(Buffer.concat([frame(1, "ok"), Buffer.from([2, 0, 0])]))).toEqual({
      stdout: "ok",
      stderr: "",
    });
    expect(demux(Buffer.alloc(0))).toEqual({ stdout: "", stderr: "" });
    expect(demux(frame(1, "exactly"))).toEqual({ stdout: "exactly", stderr: "" });
  });
});

describe("ipOn", () => {
  const info = (networks: Record<string, { IPAddress?: string }>) =>
    ({ NetworkSettings: { Networks: networks } }) as unknown as ContainerInspectInfo;

  it("is the container's address on the named network only", () => {
    const c = info({
      bridge: { IPAddress: "172.17.0.2" },
      "dev-phoenix": { IPAddress: "10.9.0.3" },
    });
    expect(ipOn(c, "dev-phoenix")).toBe("10.9.0.3");
    expect(ipOn(c, "other")).toBeUndefined();
  });

  it("is undefined while the network has not given it an address", () => {
    expect(ipOn(info({ "dev-phoenix": { IPAddress: "" } }), "dev-phoenix")).toBeUndefined();
    expect(ipOn(info({ "dev-phoenix": {} }), "dev-phoenix")).toBeUndefined();
    expect(ipOn({} as ContainerInspectInfo, "dev-phoenix")).toBeUndefined();
  });
});

describe("healthGateError and failedInstance", () => {
  const probed = { id: "c0", name: "web-0", ip: "10.9.0.3" };

  it("carry the instance that failed first beside the message", () => {
    const err = healthGateError("web-0 never turned healthy", probed);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe("web-0 never turned healthy");
    expect(failedInstance(err)).toEqual(probed);
  });

  it("name no instance for any other error", () => {
    expect(failedInstance(new Error("x"))).toBeUndefined();
    expect(failedInstance(undefined)).toBeUndefined();
    expect(failedInstance({ failed: { id: 7 } })).toBeUndefined();
  });
});

describe("testedRecordRef", () => {
  it("records a spec's passed tests as <phoenix-tested>/<name>:<spec hash>", () => {
    expect(testedRecordRef("web", "a".repeat(64))).toEqual({
      repo: "phoenix-tested/web",
      tag: "a".repeat(64),
    });
  });
});

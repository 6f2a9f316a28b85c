import { describe, expect, it } from "vitest";
import { LABELS } from "../../../../lib/core/identifiers";
import { SCRATCH_TMPFS_OPTIONS } from "../../../../lib/image/render";
import {
  fleetSelector,
  instanceContainerSpec,
  instanceIdentity,
  type InstanceParams,
} from "../../../../lib/local/instanceSpec";
import { instanceServiceSpec } from "../../../../lib/local/serviceSpec";

const params: InstanceParams = {
  name: "dev-web-0123456789ab-0-abcd",
  labels: { "io.phoenix.stack": "dev", "io.phoenix.role": "instance" },
  imageId: "sha256:" + "a".repeat(64),
  env: { DRAIN_SECONDS: "0", DB_PASSWORD: "s3cret" },
  network: "dev-phoenix",
  alias: "web",
  sysctls: { "net.core.somaxconn": "1024" },
  readOnlyRootFilesystem: true,
  scratch: ["/tmp", "/run/web"],
  stopGraceSeconds: 10,
  healthStartMs: 42_000,
};

type ContainerBody = {
  name: string;
  Image: string;
  Env: string[];
  Labels: Record<string, string>;
  StopTimeout: number;
  Healthcheck: unknown;
  HostConfig: Record<string, any>;
  NetworkingConfig: unknown;
};
const containerOf = (p: InstanceParams) => instanceContainerSpec(p) as unknown as ContainerBody;
const serviceOf = (p: InstanceParams) =>
  instanceServiceSpec(p) as unknown as {
    TaskTemplate: { ContainerSpec: Record<string, any>; LogDriver: { Options: unknown } };
  };

describe("instanceContainerSpec", () => {
  it("starts the image under its name and labels on the network, carrying the fleet's alias", () => {
    const c = containerOf(params);
    expect(c.name).toBe(params.name);
    expect(c.Image).toBe(params.imageId);
    expect(c.Labels).toEqual(params.labels);
    expect(c.HostConfig.NetworkMode).toBe("dev-phoenix");
    expect(c.NetworkingConfig).toEqual({
      EndpointsConfig: { "dev-phoenix": { Aliases: ["web"] } },
    });
  });

  it("passes the environment, the kernel parameters and the stop grace", () => {
    const c = containerOf(params);
    expect(c.Env).toEqual(["DRAIN_SECONDS=0", "DB_PASSWORD=s3cret"]);
    expect(c.HostConfig.Sysctls).toEqual({ "net.core.somaxconn": "1024" });
    expect(c.StopTimeout).toBe(10);
  });

  it("turns the image's health check off (the front door's check decides the pool)", () => {
    expect(containerOf(params).Healthcheck).toEqual({ Test: ["NONE"] });
  });

  it("mounts each scratch path as a 64 MiB tmpfs on a read-only root, restarted always", () => {
    const h = containerOf(params).HostConfig;
    expect(h.ReadonlyRootfs).toBe(true);
    expect(h.Tmpfs).toEqual({
      "/tmp": `${SCRATCH_TMPFS_OPTIONS},size=64m`,
      "/run/web": `${SCRATCH_TMPFS_OPTIONS},size=64m`,
    });
    expect(h.RestartPolicy).toEqual({ Name: "always" });
  });

  it("mounts nothing on a writable root and never restarts it", () => {
    const h = containerOf({ ...params, readOnlyRootFilesystem: false }).HostConfig;
    expect(h.ReadonlyRootfs).toBe(false);
    expect(h.Tmpfs).toEqual({});
    expect(h.RestartPolicy).toEqual({ Name: "no" });
  });

  it("shares init, the scratch size, the environment and the log cap with the service spec", () => {
    const c = containerOf(params);
    const s = serviceOf(params).TaskTemplate;
    expect(c.HostConfig.Init).toBe(true);
    expect(s.ContainerSpec.Init).toBe(c.HostConfig.Init);
    expect(s.ContainerSpec.Env).toEqual(c.Env);
    expect(s.ContainerSpec.Mounts[0].TmpfsOptions.SizeBytes).toBe(64 * 1024 * 1024);
    expect(c.HostConfig.LogConfig).toEqual({
      Type: "json-file",
      Config: { "max-size": "1m", "max-file": "2" },
    });
    expect(s.LogDriver.Options).toEqual(c.HostConfig.LogConfig.Config);
  });
});

describe("instanceIdentity", () => {
  const origin = {
    stack: "dev",
    fleet: "web",
    fleetId: "dev-web-01234567-abcd",
    specHash: "0123456789ab".padEnd(64, "f"),
    slot: 3,
    suffix: "wxyz",
  };

  it("labels an instance with its stack, role, fleet, launch, spec hash and slot", () => {
    expect(instanceIdentity(origin).labels).toEqual({
      [LABELS.stack]: "dev",
      [LABELS.role]: "instance",
      [LABELS.fleet]: "web",
      [LABELS.fleetId]: "dev-web-01234567-abcd",
      [LABELS.specHash]: origin.specHash,
      [LABELS.instance]: "3",
    });
  });

  it("names it after the stack, fleet, hash, slot and suffix", () => {
    expect(instanceIdentity(origin).name).toBe("dev-web-01234567-3-wxyz");
  });

  it("selects every instance of the fleet by labels it always carries", () => {
    const labels = instanceIdentity(origin).labels;
    for (const selector of fleetSelector(origin)) {
      const [key, value] = selector.split("=");
      expect(labels[key]).toBe(value);
    }
    expect(fleetSelector(origin)).toHaveLength(3);
  });
});

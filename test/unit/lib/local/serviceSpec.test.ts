import { describe, expect, it } from "vitest";
import {
  attachesTo,
  instanceServiceSpec,
  RESTART_DELAY_NS,
  serviceState,
  type InstanceServiceParams,
} from "../../../../lib/local/serviceSpec";

const params: InstanceServiceParams = {
  name: "dev-web-0123456789ab-0-abcd",
  labels: { "io.phoenix.stack": "dev", "io.phoenix.role": "instance" },
  imageId: "sha256:" + "a".repeat(64),
  env: { DRAIN_SECONDS: "0", DB_PASSWORD: "s3cret" },
  network: "dev-phoenix-swarm",
  alias: "web",
  sysctls: { "net.core.somaxconn": "1024" },
  readOnlyRootFilesystem: true,
  scratch: ["/tmp", "/run/web"],
  stopGraceSeconds: 10,
  healthStartMs: 42_000,
};

type Spec = {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: Record<string, any>;
    RestartPolicy: Record<string, unknown>;
    LogDriver: unknown;
    Networks: unknown;
  };
  Mode: unknown;
  EndpointSpec: unknown;
};
const specOf = (p: InstanceServiceParams) => instanceServiceSpec(p) as unknown as Spec;

describe("instanceServiceSpec", () => {
  it("runs one replica of the image under the fleet's alias, with no virtual IP in front of it", () => {
    const s = specOf(params);
    expect(s.Name).toBe(params.name);
    expect(s.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(s.EndpointSpec).toEqual({ Mode: "dnsrr" });
    expect(s.TaskTemplate.Networks).toEqual([{ Target: "dev-phoenix-swarm", Aliases: ["web"] }]);
    expect(s.TaskTemplate.ContainerSpec.Image).toBe(params.imageId);
  });

  it("labels the service and its task containers alike", () => {
    const s = specOf(params);
    expect(s.Labels).toEqual(params.labels);
    expect(s.TaskTemplate.ContainerSpec.Labels).toEqual(params.labels);
  });

  it("has Swarm start a new task whenever one ends, after half a second, without limit", () => {
    expect(specOf(params).TaskTemplate.RestartPolicy).toEqual({
      Condition: "any",
      Delay: RESTART_DELAY_NS,
      MaxAttempts: 0,
    });
    expect(RESTART_DELAY_NS).toBe(500_000_000);
  });

  it("passes the environment, an init process, the kernel parameters and the stop grace in nanoseconds", () => {
    const c = specOf(params).TaskTemplate.ContainerSpec;
    expect(c.Env).toEqual(["DRAIN_SECONDS=0", "DB_PASSWORD=s3cret"]);
    expect(c.Init).toBe(true);
    expect(c.Sysctls).toEqual({ "net.core.somaxconn": "1024" });
    expect(c.StopGracePeriod).toBe(10_000_000_000);
  });

  it("keeps the image's health check and makes the launch's deadline its start period", () => {
    expect(specOf(params).TaskTemplate.ContainerSpec.Healthcheck).toEqual({
      StartPeriod: 42_000_000_000,
    });
  });

  it("mounts each scratch path as a 64 MiB world-writable tmpfs on a read-only root", () => {
    const c = specOf(params).TaskTemplate.ContainerSpec;
    expect(c.ReadOnly).toBe(true);
    expect(c.Mounts).toEqual(
      ["/tmp", "/run/web"].map((Target) => ({
        Type: "tmpfs",
        Target,
        TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1777 },
      })),
    );
  });

  it("mounts nothing on a writable root", () => {
    const c = specOf({ ...params, readOnlyRootFilesystem: false }).TaskTemplate.ContainerSpec;
    expect(c.ReadOnly).toBe(false);
    expect(c.Mounts).toEqual([]);
  });

  it("caps the task's logs as the containers' are", () => {
    expect(specOf(params).TaskTemplate.LogDriver).toEqual({
      Name: "json-file",
      Options: { "max-size": "1m", "max-file": "2" },
    });
  });
});

const task = (state: string, desired = "running", extra: Record<string, unknown> = {}) => ({
  DesiredState: desired,
  Status: { State: state, ContainerStatus: { ContainerID: `c-${state}`, ExitCode: 137 }, ...extra },
});

describe("serviceState", () => {
  it("is running with the running task's container", () => {
    expect(serviceState([task("failed", "shutdown"), task("running")])).toEqual({
      state: "running",
      containerId: "c-running",
    });
  });

  it("is starting while the only task is being prepared or fails its start period", () => {
    for (const s of ["new", "pending", "assigned", "accepted", "preparing", "starting"]) {
      expect(serviceState([task(s)])).toEqual({ state: "starting" });
    }
    expect(serviceState([])).toEqual({ state: "starting" });
  });

  it("does not count a task Swarm is shutting down as running", () => {
    expect(serviceState([task("running", "shutdown")])).toEqual({ state: "starting" });
  });

  it("is ended with Swarm's error, or the exit code, for every state a task never leaves", () => {
    for (const s of ["complete", "shutdown", "failed", "rejected", "orphaned", "remove"]) {
      expect(serviceState([task(s, "shutdown")])).toEqual({
        state: "ended",
        why: "exited with code 137",
        containerId: `c-${s}`,
      });
    }
    expect(
      serviceState([task("failed", "shutdown", { Err: "task: non-zero exit (1)" })]),
    ).toMatchObject({
      why: "task: non-zero exit (1)",
    });
  });

  it("says so when an ended task has neither an error nor an exit code, nor a container", () => {
    expect(serviceState([{ DesiredState: "shutdown", Status: { State: "rejected" } }])).toEqual({
      state: "ended",
      why: "exited with code ?",
      containerId: undefined,
    });
  });
});

describe("attachesTo", () => {
  const svc = (...targets: string[]) => ({
    ID: "s",
    Spec: { TaskTemplate: { Networks: targets.map((Target) => ({ Target })) } },
  });
  const net = { id: "wa68yhql6ol2epgmvnlf1tzp8", name: "dev-phoenix-swarm" };

  it("matches a service whose tasks attach to the network by id or by name", () => {
    expect(attachesTo(svc("other", net.id), net)).toBe(true);
    expect(attachesTo(svc(net.name), net)).toBe(true);
  });

  it("does not match a service on other networks only, or on none", () => {
    expect(attachesTo(svc("dev-phoenix", "x"), net)).toBe(false);
    expect(attachesTo({ ID: "s" }, net)).toBe(false);
    expect(attachesTo({ ID: "s", Spec: {} }, net)).toBe(false);
  });
});

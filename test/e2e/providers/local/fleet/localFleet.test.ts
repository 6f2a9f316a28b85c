/**
 * The LocalFleet provider's methods called directly against the real Docker engine: health-gated
 * launch, a failed launch cleaned up, scaling in place, drift found by read and replaced by update,
 * a read-only root filesystem with scratch tmpfs, sysctls, and delete. Uses the example web image
 * (built from images/web.yaml by the LocalImage provider, reused when present) and no front door.
 */
import * as crypto from "node:crypto";
import * as path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specHash } from "../../../../../lib/image/hash";
import { loadSpec } from "../../../../../lib/spec/spec";
import {
  localFleetProvider,
  type LocalFleetInputs,
  type LocalFleetOutputs,
} from "../../../../../providers/local/fleet/localFleet";
import {
  localImageInputs,
  localImageProvider,
} from "../../../../../providers/local/image/localImage";
import { localNetworkProvider } from "../../../../../providers/local/network/localNetwork";
import { REPO_ROOT } from "../../../harness";

const docker = new Docker();
const stack = `phx-fleet-test-${crypto.randomBytes(3).toString("hex")}`;
const network = `${stack}-net`;
const SECRET = `secret-${stack}`;
let base: LocalFleetInputs;

async function fleetContainers(fleetId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    all: true,
    filters: { label: [`io.phoenix.fleet-id=${fleetId}`] },
  });
}

async function exec(id: string, cmd: string): Promise<{ code: number; output: string }> {
  const e = await docker
    .getContainer(id)
    .exec({ Cmd: ["sh", "-c", cmd], User: "0", AttachStdout: true, AttachStderr: true });
  const stream = await e.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    stream.on("data", (d: Buffer) => chunks.push(d));
    stream.on("end", resolve);
  });
  const output = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/[\x00-\x08]/g, "");
  return { code: (await e.inspect()).ExitCode ?? -1, output };
}

describe("localFleetProvider", { timeout: 180_000 }, () => {
  beforeAll(async () => {
    const loaded = loadSpec(path.join(REPO_ROOT, "images", "web.yaml"));
    const hash = specHash(loaded);
    const imageInputs = localImageInputs({ loaded, hash, keepImages: 100, gitCommit: "test" });
    const image = await localImageProvider.create(
      (await localImageProvider.check!({} as never, imageInputs)).inputs!,
    );
    await localNetworkProvider.create({ name: network, stack });
    base = {
      stack,
      fleet: "web",
      alias: "web",
      network,
      imageId: image.id,
      specHash: hash,
      desiredCount: 2,
      port: loaded.spec.app.port,
      health: loaded.spec.app.health,
      env: { DRAIN_SECONDS: "1" },
      secretEnv: { DB_PASSWORD: SECRET },
      sysctls: { "net.core.somaxconn": "1024" },
      readOnlyRootFilesystem: false,
      instanceKind: "containers",
      scratch: ["/tmp"],
      stopGraceSeconds: 5,
      leavePoolMs: 3000,
      healthDeadlineMs: 30_000,
    };
  }, 600_000);

  afterAll(async () => {
    for (const c of await docker.listContainers({
      all: true,
      filters: { label: [`io.phoenix.stack=${stack}`] },
    })) {
      await docker.getContainer(c.Id).remove({ force: true });
    }
    const nets = await docker.listNetworks({ filters: { label: [`io.phoenix.stack=${stack}`] } });
    for (const n of nets) await docker.getNetwork(n.Id).remove();
  });

  it("launches every instance, healthy, on the service alias, with the secret only in the env, without Docker's own health check", async () => {
    const r = await localFleetProvider.create(base);
    const outs = r.outs!;
    expect(outs.instances.map((i) => i.index)).toEqual([0, 1]);
    const running = await fleetContainers(r.id);
    expect(running.map((c) => c.Id).sort()).toEqual([...outs.instanceIds].sort());
    for (const c of running) {
      const info = await docker.getContainer(c.Id).inspect();
      expect(info.State.Running).toBe(true);
      // The image has a HEALTHCHECK; Docker must not run it in fleet instances (a `docker exec` per
      // instance per interval): no health state is kept for them at all.
      expect(info.State.Health).toBeUndefined();
      expect(info.Config.Env).toContain(`DB_PASSWORD=${SECRET}`);
      expect(JSON.stringify(info.Config.Labels)).not.toContain(SECRET);
      expect(info.NetworkSettings.Networks[network].Aliases).toContain("web");
      expect((await exec(c.Id, "cat /proc/sys/net/core/somaxconn")).output.trim()).toBe("1024");
    }
    await localFleetProvider.delete!(r.id, outs);
    expect(await fleetContainers(r.id)).toEqual([]);
  });

  it("fails a launch whose health check never passes, removes what it started, shows the log tail", async () => {
    const failing = { ...base, env: { ...base.env, FAIL_HEALTH: "1" }, healthDeadlineMs: 5_000 };
    const before = await docker.listContainers({
      all: true,
      filters: { label: [`io.phoenix.stack=${stack}`] },
    });
    await expect(localFleetProvider.create(failing)).rejects.toThrow(
      /did not pass GET \/healthz on port 8080 2 times in a row before the deadline \(does it listen on 0\.0\.0\.0:8080, not only 127\.0\.0\.1, and answer \/healthz with a 2xx\?\); removed the 2 instance\(s\) this deployment started[\s\S]*--- last log lines of [\s\S]*"msg":"listening"/,
    );
    const after = await docker.listContainers({
      all: true,
      filters: { label: [`io.phoenix.stack=${stack}`] },
    });
    expect(after.map((c) => c.Id)).toEqual(before.map((c) => c.Id));
  });

  it("scales in place: launches the missing slots, drains the highest ones", async () => {
    const r = await localFleetProvider.create(base);
    const up = await localFleetProvider.update!(r.id, r.outs!, { ...base, desiredCount: 3 });
    const grown = up.outs as LocalFleetOutputs;
    expect(grown.instanceIds.slice(0, 2)).toEqual(r.outs!.instanceIds);
    expect(grown.instances.map((i) => i.index)).toEqual([0, 1, 2]);
    const down = await localFleetProvider.update!(r.id, grown, { ...base, desiredCount: 1 });
    const shrunk = down.outs as LocalFleetOutputs;
    expect(shrunk.instanceIds).toEqual([grown.instanceIds[0]]);
    expect((await fleetContainers(r.id)).map((c) => c.Id)).toEqual(shrunk.instanceIds);
    await localFleetProvider.delete!(r.id, shrunk);
  });

  it("reads drift per instance and replaces exactly the drifted ones from the same image", async () => {
    const r = await localFleetProvider.create({ ...base, desiredCount: 4 });
    const [clean, edited, stopped, removed] = r.outs!.instanceIds;
    await exec(edited, "echo '# hotfix' >> /etc/web/config.json && echo scratch > /tmp/cache");
    await docker.getContainer(stopped).kill({ signal: "SIGKILL" });
    await docker.getContainer(removed).remove({ force: true });

    const read = await localFleetProvider.read!(r.id, r.outs!);
    const seen = read.props as LocalFleetOutputs;
    const drift = Object.fromEntries(seen.instances.map((i) => [i.id, i.drift]));
    expect(drift[clean]).toBeUndefined();
    expect(drift[edited]).toEqual({ reasons: ["snowflake"], changes: ["C /etc/web/config.json"] });
    expect(drift[stopped]?.reasons).toEqual(["exited"]);
    expect(drift[removed]).toEqual({ reasons: ["missing"], changes: [] });
    expect(seen.drifted).toHaveLength(3);
    expect(await localFleetProvider.diff!(r.id, seen, { ...base, desiredCount: 4 })).toEqual({
      changes: true,
      replaces: [],
    });

    const fixed = (await localFleetProvider.update!(r.id, seen, { ...base, desiredCount: 4 }))
      .outs as LocalFleetOutputs;
    expect(fixed.instanceIds[0]).toBe(clean);
    expect(fixed.instanceIds.slice(1)).not.toContain(edited);
    expect(fixed.drifted).toEqual([]);
    const live = await fleetContainers(r.id);
    expect(live.map((c) => c.Id).sort()).toEqual([...fixed.instanceIds].sort());
    expect(live.every((c) => c.ImageID === base.imageId && c.State === "running")).toBe(true);
    const again = (await localFleetProvider.read!(r.id, fixed)).props as LocalFleetOutputs;
    expect(again.drifted).toEqual([]);
    await localFleetProvider.delete!(r.id, fixed);
  });

  it("runs a read-only root filesystem with the scratch paths as tmpfs, and ignores scratch in drift", async () => {
    const r = await localFleetProvider.create({
      ...base,
      desiredCount: 1,
      readOnlyRootFilesystem: true,
    });
    const [only] = r.outs!.instanceIds;
    expect((await exec(only, "touch /etc/web/new")).code).not.toBe(0);
    expect((await exec(only, "echo x > /tmp/x && cat /tmp/x")).output.trim()).toBe("x");
    const read = (await localFleetProvider.read!(r.id, r.outs!)).props as LocalFleetOutputs;
    expect(read.drifted).toEqual([]);
    await localFleetProvider.delete!(r.id, r.outs!);
  });
});

/**
 * Rollouts under load that need nothing from the app, with the real engine and Docker: the example
 * app and two stock HTTP servers from Debian packages that know nothing of draining (python3's
 * http.server, busybox httpd; each has its own spec among the fixtures). Each gets a 4-instance
 * fleet, then a rollout to a new spec hash while 500 req/s go through the front door: not one
 * request may fail, and the old fleet leaves the pool with nothing in flight before any signal.
 * Then an instance's processes are killed: Docker brings it back, read-only and healthy, into the
 * pool within 30 s with nobody running pulumi.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meaningfulChanges } from "../../lib/local/drift";
import { startLoad, type LoadReport } from "./load";
import { LocalStack, describeLoad, drainTimes } from "./localStack";

const RATE = 500;
const COUNT = 4;

const SERVERS = [
  {
    title: "the example app",
    spec: "images/web.yaml",
    copy: ["app", "config"],
    secrets: { DB_PASSWORD: "e2e-rollouts" },
    bump: [/version: v3\.4\.1/, "version: v3.4.2"] as const,
  },
  {
    title: "python3 -m http.server",
    spec: "test/e2e/fixtures/servers/python-http.yaml",
    copy: ["servers/www"],
    bump: [/version: v3\.11\.2/, "version: v3.11.3"] as const,
  },
  {
    title: "busybox httpd",
    spec: "test/e2e/fixtures/servers/busybox-httpd.yaml",
    copy: ["servers/www"],
    bump: [/version: v1\.35\.0/, "version: v1.35.1"] as const,
  },
];

function expectNoFailures(load: LoadReport): void {
  expect({ failed: load.failed, errors: load.errors }).toEqual({ failed: 0, errors: {} });
  expect(load.ok).toBeGreaterThan(0);
}

describe.each(SERVERS)("rollouts of $title", { timeout: 10 * 60_000 }, (server) => {
  const stack = new LocalStack({
    prefix: "e2e-roll",
    spec: server.spec,
    copy: server.copy,
    desiredCount: COUNT,
    secrets: server.secrets,
  });

  beforeAll(async () => {
    await stack.init();
    await stack.up();
  });
  afterAll(() => stack.dispose());

  it(`replaces the fleet under ${RATE} req/s with 0 failed requests`, async () => {
    const before = (await stack.run("refresh")).outputs;
    if (server.bump) stack.editSpec(server.bump[0], server.bump[1]);
    const loadStart = Date.now();
    const load = startLoad(`${stack.url}/`, { ratePerSecond: RATE });
    let up;
    try {
      up = await stack.up();
    } finally {
      const report = await load.stop();
      console.log(`${server.title}: rollout under load: ${describeLoad(report)}`);
      // haproxy logs only the requests that went wrong, retried or redispatched ones included.
      const wrong = await stack.frontDoorLog(loadStart - 1000).catch((e: Error) => e.message);
      console.log(
        `${server.title}: front door log of the rollout:\n${wrong || "(nothing went wrong)"}`,
      );
      expectNoFailures(report);
      expect((report.ok + report.failed) / (report.durationMs / 1000)).toBeGreaterThan(RATE * 0.9);
    }
    expect(up.outputs.specHash).not.toBe(before.specHash);
    expect(up.outputs.instanceIds.filter((id) => before.instanceIds.includes(id))).toEqual([]);
    const drains = drainTimes(up.log);
    console.log(`${server.title}: drains ${JSON.stringify(drains)}`);
    expect(drains.length).toBeGreaterThan(0);
    // Out of the pool with 0 in flight before any signal; never cut short by the drain deadline.
    // (How long it takes is a figure of the benchmark, not a timed test.)
    expect(up.log).not.toMatch(/stopping anyway/);
    const instances = await stack.containers("instance");
    expect(instances.map((c) => c.Id).sort()).toEqual([...up.outputs.instanceIds].sort());
  });

  it("refuses a hand edit outside the scratch paths: the root filesystem is read-only", async () => {
    const [inst] = await stack.containers("instance");
    const exec = await stack.docker.getContainer(inst.Id).exec({
      Cmd: ["sh", "-c", "echo hand-tuned > /etc/hand-tuned.conf && echo scratch > /tmp/x"],
      User: "0",
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out: Buffer[] = [];
    await new Promise<void>(
      (r) => (stream.on("data", (d: Buffer) => out.push(d)), stream.on("end", r)),
    );
    expect(Buffer.concat(out).toString("utf8")).toMatch(/Read-only file system/);
    expect((await exec.inspect()).ExitCode).not.toBe(0);
  });

  it("brings an instance whose processes were killed back into the pool within 30 s, without pulumi", async () => {
    const [victim] = (await stack.containers("instance")).filter((c) => c.State === "running");
    const info = await stack.docker.getContainer(victim.Id).inspect();
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.Init).toBe(true);
    // SIGKILL to the instance's init (and with it its server), as the kernel's OOM killer or a
    // crash would. Not `docker kill`: Docker counts that as an operator's stop and never restarts
    // it (documented); refresh reports such an instance and the next `pulumi up` replaces it.
    process.kill(info.State.Pid, "SIGKILL");
    const killedAt = Date.now();
    // Wait for the pool to notice, then for it to be whole again.
    for (let n = COUNT; n === COUNT && Date.now() - killedAt < 10_000;) {
      n = (await stack.inPool()).length;
      if (n === COUNT) await new Promise((r) => setTimeout(r, 100));
    }
    const back = await stack.waitInPool(COUNT, 30_000);
    const took = Date.now() - killedAt;
    console.log(`${server.title}: killed instance back in the pool after ${took} ms`);
    expect(took).toBeLessThanOrEqual(30_000);
    expect(back).toBeGreaterThanOrEqual(0);
    const again = await stack.docker.getContainer(victim.Id).inspect();
    expect(again.State.Running).toBe(true);
    expect(again.RestartCount).toBeGreaterThanOrEqual(1);
    // Read-only root: nothing but Docker's own init mount point differs from the image.
    const raw: unknown = await stack.docker.getContainer(victim.Id).changes();
    const changes = Buffer.isBuffer(raw) ? JSON.parse(raw.toString("utf8") || "null") : raw;
    expect(meaningfulChanges(changes ?? [], [])).toEqual([]);
  });
});

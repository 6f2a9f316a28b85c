/**
 * The benchmark's baseline: the same image started as `count` containers with plain parallel
 * `docker run` (create + start, each on its own, all at once), timed until every one answers its
 * health check. No front door, no gate logic: what the fleet's launch is compared with.
 */
import * as crypto from "node:crypto";
import Docker from "dockerode";

/** Seconds from the first `docker run` until all `count` containers answer GET `healthPath` 200. */
export async function plainParallelRun(opts: {
  readonly imageId: string;
  readonly count: number;
  readonly port: number;
  readonly healthPath: string;
}): Promise<number> {
  const docker = new Docker();
  const tag = `phx-bench-plain-${crypto.randomBytes(3).toString("hex")}`;
  const net = await docker.createNetwork({ Name: tag, Driver: "bridge" });
  const ids: string[] = [];
  try {
    const started = Date.now();
    const ips = await Promise.all(
      Array.from({ length: opts.count }, async (_, i) => {
        const c = await docker.createContainer({
          name: `${tag}-${i}`,
          Image: opts.imageId,
          Env: ["DB_PASSWORD=bench-only"],
          // The fleet's own container settings (lib/local/instanceSpec.ts), so only the orchestration differs.
          Healthcheck: { Test: ["NONE"] },
          HostConfig: { NetworkMode: tag, Init: true, ReadonlyRootfs: true, Tmpfs: { "/tmp": "" } },
        });
        ids.push(c.id);
        await c.start();
        return (await c.inspect()).NetworkSettings.Networks[tag].IPAddress;
      }),
    );
    await Promise.all(
      ips.map(async (ip) => {
        for (;;) {
          const res = await fetch(`http://${ip}:${opts.port}${opts.healthPath}`, {
            signal: AbortSignal.timeout(1000),
          }).catch(() => undefined);
          if (res?.status === 200) return;
          if (Date.now() - started > 120_000) throw new Error(`${ip}: not healthy after 120 s`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
    return Math.round((Date.now() - started) / 100) / 10;
  } finally {
    await Promise.all(ids.map((id) => docker.getContainer(id).remove({ force: true })));
    await net.remove();
  }
}

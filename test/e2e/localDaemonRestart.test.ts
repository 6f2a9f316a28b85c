/**
 * A host reboot, in small: the Docker daemon restarts under a running 4-instance fleet of the
 * example app, and every instance is back, healthy and in the front door's pool within 30 s of
 * the daemon answering, with nobody running pulumi; refresh then finds nothing to replace. The
 * daemon is one of the test's own (test/e2e/privateDockerd.ts), in a network namespace of its
 * own, never the shared one; the engine runs inside that namespace. The images are built on the
 * shared daemon (or reused there) and copied in with `docker save | docker load`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStack } from "./localStack";
import { PrivateDockerd, sharedImage } from "./privateDockerd";

const COUNT = 4;
const daemon = new PrivateDockerd();
const stack = new LocalStack({
  prefix: "e2e-reboot",
  spec: "images/web.yaml",
  copy: ["app", "config"],
  desiredCount: COUNT,
  secrets: { DB_PASSWORD: "e2e-reboot" },
  dockerHost: daemon.host,
  wrap: daemon.wrap,
});

/** GET / through the front door (its port is on the daemon's namespace's 127.0.0.1). */
function frontDoorAnswers(): boolean {
  return daemon.httpStatus(Number(new URL(stack.url).port), "/") === 200;
}

describe("a Docker daemon restart under a running fleet", { timeout: 10 * 60_000 }, () => {
  beforeAll(async () => {
    const images = [
      await sharedImage("images/web.yaml"),
      await sharedImage("images/frontdoor.yaml"),
    ];
    await daemon.start();
    daemon.loadFromShared([...images, "debian:bookworm-slim"]);
    await stack.init();
    const up = await stack.up();
    expect(up.log).not.toMatch(/: building \(/); // the copied images are reused
  });
  afterAll(async () => {
    await stack.dispose().catch((e) => console.log(`dispose: ${e}`));
    await daemon.dispose();
  });

  it("brings every instance back into the pool within 30 s of the daemon answering, without pulumi", async () => {
    await stack.waitInPool(COUNT, 30_000);
    const before = (await stack.containers("instance")).map((c) => c.Id).sort();
    await daemon.stop();
    expect(frontDoorAnswers()).toBe(false);
    await daemon.start();
    const answering = Date.now();
    await stack.waitInPool(COUNT, 30_000);
    while (!frontDoorAnswers()) {
      if (Date.now() - answering > 30_000) throw new Error("front door not answering after 30 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const took = Date.now() - answering;
    console.log(
      `daemon restart: ${COUNT}/${COUNT} in the pool ${took} ms after the daemon answered`,
    );
    expect(took).toBeLessThanOrEqual(30_000);
    // The same containers, started again by Docker from their (read-only) image.
    const after = await stack.containers("instance");
    expect(after.map((c) => c.Id).sort()).toEqual(before);
    expect(after.every((c) => c.State === "running")).toBe(true);
  });

  it("refresh then finds every instance healthy and in the pool: the next up changes nothing", async () => {
    const refresh = await stack.run("refresh");
    expect(refresh.log).not.toMatch(/drift:/);
    const preview = await stack.run("preview");
    expect(preview.changes).toEqual({ same: 7 });
  });
});

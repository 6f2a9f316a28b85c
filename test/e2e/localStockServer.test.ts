/**
 * A stock server that writes outside /tmp (Debian's nginx: /var/lib/nginx, /var/log/nginx, /run)
 * run as the app user on a read-only root, with the real engine and Docker. With its scratch paths
 * declared it serves; a release that drops one fails at launch naming how the server exited and
 * what it printed, and the serving fleet stays; reverting the spec brings the old hash back and
 * reuses its image.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runProgram } from "./harness";
import { LocalStack, type LocalOutputs } from "./localStack";

const COUNT = 2;

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text() };
}

describe("a stock server that writes outside /tmp (nginx)", { timeout: 10 * 60_000 }, () => {
  const stack = new LocalStack({
    prefix: "e2e-nginx",
    spec: "test/e2e/fixtures/servers/nginx.yaml",
    copy: ["servers/www"],
    desiredCount: COUNT,
  });
  let first: LocalOutputs;

  beforeAll(async () => {
    await stack.init();
    first = (await stack.up()).outputs;
  });
  afterAll(() => stack.dispose());

  it("serves as the app user on a read-only root, its scratch paths owned by that user", async () => {
    expect(await get(`${stack.url}/`)).toMatchObject({
      status: 200,
      body: expect.stringMatching(/Welcome to nginx/),
    });
    const [inst] = await stack.containers("instance");
    const info = await stack.docker.getContainer(inst.Id).inspect();
    expect(info.Config.User).toBe("10001:10001");
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.Tmpfs?.["/var/lib/nginx"]).toMatch(/(^|,)uid=10001(,|$)/);
  });

  it("fails a release that drops a scratch path at launch, with the server's own error, and keeps the fleet", async () => {
    stack.editSpec(/scratch: \[\/tmp, \/var\/lib\/nginx, /, "scratch: [/tmp, ");
    const failed = await runProgram("up", { cwd: REPO_ROOT, stack: stack.name });
    expect(failed.code).not.toBe(0);
    const out = failed.stdout + failed.stderr;
    // Docker's restart policy races the gate: caught stopped or already restarted, the exit code is
    // named either way (read from the engine's die events).
    expect(out).toMatch(/exited \(code 1\)( and was restarted \d+ time\(s\))? /);
    expect(out).toMatch(/runtime\.scratch/);
    expect(out).toMatch(/mkdir\(\) "\/var\/lib\/nginx\/body" failed \(30: Read-only file system\)/);
    expect(out).toMatch(new RegExp(`removed the ${COUNT} instance\\(s\\) this deployment started`));
    const left = await stack.containers("instance");
    expect(left.map((c) => c.Id).sort()).toEqual([...first.instanceIds].sort());
    expect((await get(`${stack.url}/`)).status).toBe(200);
  });

  it("brings the old hash back on revert and reuses its image", async () => {
    stack.editSpec(/scratch: \[\/tmp, /, "scratch: [/tmp, /var/lib/nginx, ");
    const back = (await stack.up()).outputs;
    expect(back.specHash).toBe(first.specHash);
    expect(back.imageRef).toBe(first.imageRef);
    expect((back as unknown as { built: boolean }).built).toBe(false);
    expect((await get(`${stack.url}/`)).status).toBe(200);
  });
});

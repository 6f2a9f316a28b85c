/**
 * Stack config mistakes on a serving local stack, with the real engine and Docker: a mistyped key and
 * a front-door port another process holds. Each fails preview and up in the project's words, naming
 * the key and the fix, and the serving fleet and front door stay exactly as they were.
 */
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, pulumiOk, runProgram } from "./harness";
import { LocalStack, type LocalOutputs } from "./localStack";

describe("bad stack config on a serving stack", { timeout: 10 * 60_000 }, () => {
  const stack = new LocalStack({
    prefix: "e2e-badcfg",
    spec: "test/e2e/fixtures/servers/busybox-httpd.yaml",
    copy: ["servers/www"],
    desiredCount: 1,
  });
  let first: LocalOutputs;
  let blocker: net.Server | undefined;

  beforeAll(async () => {
    await stack.init();
    first = (await stack.up()).outputs;
  });
  afterAll(async () => {
    blocker?.close();
    await pulumiOk(["config", "rm", "phoenix:desiredCont"], {
      cwd: REPO_ROOT,
      stack: stack.name,
    }).catch(() => undefined);
    await stack.dispose();
  });

  async function unchanged(): Promise<void> {
    const ids = (await stack.containers()).map((c) => c.Id).sort();
    expect(ids).toEqual(expect.arrayContaining([...first.instanceIds]));
    const res = await fetch(`${first.url}/`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
  }

  it("a mistyped key fails preview and up with did you mean, and nothing changes", async () => {
    const before = (await stack.containers()).map((c) => c.Id).sort();
    await pulumiOk(["config", "set", "phoenix:desiredCont", "5"], {
      cwd: REPO_ROOT,
      stack: stack.name,
    });
    for (const op of ["preview", "up"] as const) {
      const r = await runProgram(op, { cwd: REPO_ROOT, stack: stack.name });
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(
        "phoenix:desiredCont: unknown key; did you mean phoenix:desiredCount?",
      );
    }
    expect((await stack.containers()).map((c) => c.Id).sort()).toEqual(before);
    await unchanged();
    await pulumiOk(["config", "rm", "phoenix:desiredCont"], { cwd: REPO_ROOT, stack: stack.name });
  });

  it("a front-door port another process holds is refused at preview and up, the old front door serving", async () => {
    blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker!.listen(0, "127.0.0.1", () => resolve((blocker!.address() as net.AddressInfo).port)),
    );
    const before = (await stack.containers()).map((c) => c.Id).sort();
    await pulumiOk(["config", "set", "phoenix:frontDoorPort", String(port)], {
      cwd: REPO_ROOT,
      stack: stack.name,
    });
    for (const op of ["preview", "up"] as const) {
      const r = await runProgram(op, { cwd: REPO_ROOT, stack: stack.name });
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(
        `phoenix:frontDoorPort: port ${port} on 127.0.0.1 is already in use by another process; ` +
          "choose a free one with `pulumi config set phoenix:frontDoorPort <port>`",
      );
    }
    expect((await stack.containers()).map((c) => c.Id).sort()).toEqual(before);
    await unchanged();
  });
});

/**
 * The canary fixture (fixtures/servers/nginx-canary.yaml): releases of a stock nginx that differ only
 * by their config, good or failing a fixed share of GET /, as the canary tests and the canary
 * benchmark make them; and the figure a rollback prints.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalStack } from "./localStack";

/** The stack options of a canary fixture stack. */
export const CANARY_FIXTURE = {
  spec: "test/e2e/fixtures/servers/nginx-canary.yaml",
  copy: ["servers/www", "servers/canary"],
} as const;

const confOf = (stack: LocalStack) => path.join(stack.work, "servers", "canary", "nginx.conf");

/** The stack's copy of the nginx config as it is now (what {@link restoreRelease} puts back). */
export function readRelease(stack: LocalStack): string {
  return fs.readFileSync(confOf(stack), "utf8");
}

/** Puts a config read by {@link readRelease} back: the release it was (the same spec hash). */
export function restoreRelease(stack: LocalStack, text: string): void {
  fs.writeFileSync(confOf(stack), text);
}

/** Rewrites the stack's copy of the nginx config: release `name`, failing its share when `bad`. */
export function writeRelease(stack: LocalStack, name: string, bad = false): void {
  const text = readRelease(stack)
    .replace(/return 200 "release: [^"]*\\n";/, `return 200 "release: ${name}\\n";`)
    .replace(
      /# failing share: (off|on)\n(\s*if \(\$phoenix_fail\) \{ return 500; \}\n)?/,
      bad
        ? "# failing share: on\n            if ($phoenix_fail) { return 500; }\n"
        : "# failing share: off\n",
    );
  restoreRelease(stack, text);
}

/** Seconds from the last good reading to the new release at 0%, from a rolled-back `up`'s output. */
export function secondsToZero(output: string): number {
  const m = /new release at 0% ([\d.]+) s after/.exec(output);
  if (!m) throw new Error(`no rollback line in the output:\n${output.slice(-3000)}`);
  return Number(m[1]);
}

/** Creates /tmp/turn-bad in each container: the fixture's nginx answers 500 to every GET / from then. */
export async function turnBad(stack: LocalStack, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const exec = await stack.docker.getContainer(id).exec({ Cmd: ["touch", "/tmp/turn-bad"] });
    await exec.start({ hijack: true, stdin: false });
  }
}

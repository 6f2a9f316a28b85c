/**
 * What the shared mocks (test/mocks.ts) do not record, read from the mock monitor: the provider each
 * provider function call went to, the outputs a component registered, and the parent chain of a
 * registration. Call {@link recordInvokes} right after `setupMocks`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../../../mocks";

// Not re-exported by @pulumi/pulumi's runtime index: the settings module's wait for pending RPCs.

const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs(): Promise<void>;
};

/** One provider function call and the provider reference (`<urn>::<id>`, "" for the default). */
export interface RecordedInvoke {
  readonly token: string;
  readonly provider: string;
}

/** Record the provider of every provider function call from now on. */
export function recordInvokes(): RecordedInvoke[] {
  const invokes: RecordedInvoke[] = [];
  const monitor = pulumi.runtime.getMonitor() as any;
  const invoke = monitor.invoke.bind(monitor);
  monitor.invoke = (req: any, callback: unknown) => {
    invokes.push({ token: req.getTok(), provider: req.getProvider() });
    return invoke(req, callback);
  };
  return invokes;
}

/**
 * The outputs a component registered (`registerOutputs`), as the engine stores them in its state;
 * waits for every pending registration first.
 */
export async function registeredOutputs(urn: string): Promise<Record<string, unknown>> {
  await waitForRPCs();
  const monitor = pulumi.runtime.getMonitor() as any;
  const state = monitor.getRegisteredResources().get(urn)?.state;
  if (state === undefined) throw new Error(`no registered resource ${urn}`);
  return typeof state.toJavaScript === "function" ? state.toJavaScript() : state;
}

/**
 * Where a registration sits in the tree: its parent's type chain and name, as in the parent's URN
 * (`AwsFleet$AwsFrontDoor::web-front`); "" for a registration without a parent.
 */
export function parentOf(r: RecordedResource): string {
  if (!r.options.parent) return "";
  const [, , chain, name] = r.options.parent.split("::");
  return `${chain}::${name}`;
}

/** The tags of a registration as an object (an ASG sends them as a list of key/value pairs). */
export function tagsOf(r: RecordedResource): Record<string, unknown> | undefined {
  const tags = r.inputs.tags;
  return Array.isArray(tags)
    ? Object.fromEntries(tags.map((t: { key: string; value: unknown }) => [t.key, t.value]))
    : tags;
}

/**
 * Run with vitest's unhandled-rejection listener swapped for one that collects: a value that fails
 * inside an Output makes every registration using it reject unawaited, and vitest would report
 * (and try to serialize, resource graph and all) each of them. Call `restore` when done, once
 * `quiet` says no more are coming.
 */
export function collectUnhandledRejections(): {
  readonly errors: Error[];
  /** Resolves once no rejection has arrived for `ms` milliseconds. */
  quiet(ms: number): Promise<void>;
  restore(): void;
} {
  const saved = process.listeners("unhandledRejection");
  const errors: Error[] = [];
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", (err) => errors.push(err as Error));
  return {
    errors,
    async quiet(ms) {
      let seen = -1;
      while (seen !== errors.length) {
        seen = errors.length;
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
    },
    restore() {
      process.removeAllListeners("unhandledRejection");
      for (const l of saved) process.on("unhandledRejection", l);
    },
  };
}

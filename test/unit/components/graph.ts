import * as pulumi from "@pulumi/pulumi";

// Not re-exported by @pulumi/pulumi's runtime index: the settings module's wait for pending RPCs.

const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs(): Promise<void>;
};

/** One registration as the engine saw it: type, logical name, its URN and its parent's URN. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** URN of the parent resource; empty for a resource without one. */
  readonly parent: string;
}

/** What {@link recordGraph} returns: the resource graph's parent links and registered outputs. */
export interface GraphRecorder {
  readonly registrations: Registration[];
  /** The one registration with this type and logical name; throws if absent. */
  get(type: string, name: string): Registration;
  /** URNs of a resource's ancestors, nearest first. */
  ancestorsOf(urn: string): string[];
  /**
   * Every other registration named after the component (`name` or `name-…`, the components' naming
   * scheme for their children), with whether the component is among its ancestors.
   */
  namedAfter(component: Registration): { registration: Registration; underIt: boolean }[];
  /**
   * The outputs a component registered (`registerOutputs`), once every pending RPC has finished;
   * undefined when it registered none.
   */
  registeredOutputs(urn: string): Promise<Record<string, unknown> | undefined>;
}

/**
 * Record the parent links and the registered outputs of every resource, on top of the mocks that
 * `setupMocks` installed: call it right after `setupMocks`, before any resource is created.
 * URNs are the mock monitor's: a child's type is qualified by its parent's type only
 * (`<parent's type>$<type>`), where the engine prefixes every ancestor's; walk `parent` for the chain.
 */
export function recordGraph(): GraphRecorder {
  const registrations: Registration[] = [];
  const outputs = new Map<string, Record<string, unknown>>();
  const monitor = pulumi.runtime.getMonitor() as any;

  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, res: any) => void) =>
    register(req, (err: unknown, res: any) => {
      if (!err && res) {
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: res.getUrn(),
          parent: req.getParent(),
        });
      }
      callback(err, res);
    });

  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req: any, callback: (err: unknown, res: unknown) => void) => {
    outputs.set(req.getUrn(), req.getOutputs()?.toJavaScript() ?? {});
    return registerOutputs(req, callback);
  };

  const byUrn = (urn: string) => registrations.find((r) => r.urn === urn);
  const ancestorsOf = (urn: string): string[] => {
    const chain: string[] = [];
    for (let r = byUrn(urn); r?.parent; r = byUrn(r.parent)) chain.push(r.parent);
    return chain;
  };

  return {
    registrations,
    get(type, name) {
      const found = registrations.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) {
        throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
      }
      return found[0];
    },
    ancestorsOf,
    namedAfter(component) {
      return registrations
        .filter(
          (r) =>
            r !== component &&
            (r.name === component.name || r.name.startsWith(`${component.name}-`)),
        )
        .map((registration) => ({
          registration,
          underIt: ancestorsOf(registration.urn).includes(component.urn),
        }));
    },
    async registeredOutputs(urn) {
      await waitForRPCs();
      return outputs.get(urn);
    },
  };
}

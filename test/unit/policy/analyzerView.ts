/**
 * Recorded mock registrations seen the way the policy analyzer sees resources (secrets unwrapped,
 * property dependencies by URN), and the whole pack run over them.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PolicyResource, ResourceValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../../policy/policies";
import type { RecordedResource } from "../../mocks";

/** Deeply replaces recorded secrets by their values, as the analyzer does before policies run. */
export function unwrap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return unwrap(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}

/** A dependency as this file names resources: `urn:pulumi:prod::phoenix::<type>::<name>`. */
function shortUrn(urn: string): { urn: string } {
  const [, , , typeChain, name] = urn.split("::");
  return { urn: `urn:pulumi:prod::phoenix::${typeChain.split("$").at(-1)}::${name}` };
}

/** A recorded registration as the analyzer hands it to a policy. */
export function asPolicyResource(r: RecordedResource): PolicyResource {
  return {
    type: r.type,
    name: r.name,
    urn: `urn:pulumi:prod::phoenix::${r.type}::${r.name}`,
    props: unwrap(r.inputs) as Record<string, unknown>,
    opts: { additionalSecretOutputs: r.options.additionalSecretOutputs },
    dependencies: [],
    propertyDependencies: Object.fromEntries(
      Object.entries(r.options.propertyDependencies).map(([k, urns]) => [k, urns.map(shortUrn)]),
    ),
  } as unknown as PolicyResource;
}

/** Every violation the whole pack reports on these resources, as `<policy> <urn>: <message>`. */
export async function violationsOf(resources: PolicyResource[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of policies) {
    const report = (m: string, urn?: string) => out.push(`${p.name} ${urn ?? ""}: ${m}`);
    if ("validateStack" in p) {
      await (p as StackValidationPolicy).validateStack(
        { resources, stackTags: new Map(), getConfig: () => ({}) } as never,
        report,
      );
      continue;
    }
    if (!p.validateResource) continue;
    const fns = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
    for (const r of resources) {
      const args = {
        ...r,
        stackTags: new Map(),
        getConfig: () => ({}),
      } as unknown as ResourceValidationArgs;
      for (const fn of fns) await fn(args, (m) => report(m, r.urn));
    }
  }
  return out;
}

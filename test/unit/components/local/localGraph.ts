import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { type LocalStackConfig, parseStackConfig } from "../../../../lib/config/stackConfig";
import { localFleetProvider } from "../../../../providers/local/fleet/localFleet";
import { localFrontDoorProvider } from "../../../../providers/local/frontDoor/localFrontDoor";
import { localImageProvider } from "../../../../providers/local/image/localImage";
import { localNetworkProvider } from "../../../../providers/local/network/localNetwork";
import { outputOf } from "../../../mocks";

/** Type tokens of the local target's resources, as the engine sees them. */
export const TYPES = {
  target: "phoenix:index:LocalTarget",
  network: "pulumi-nodejs:dynamic/phoenix:LocalNetwork",
  image: "pulumi-nodejs:dynamic/phoenix:LocalImage",
  frontDoor: "pulumi-nodejs:dynamic/phoenix:LocalFrontDoor",
  fleet: "pulumi-nodejs:dynamic/phoenix:LocalFleet",
} as const;

/** A local stack's config as `pulumi config` holds it (strings), parsed as the program does. */
export function localConfig(raw: Record<string, string> = {}): LocalStackConfig {
  return parseStackConfig({ target: "local", ...raw }) as LocalStackConfig;
}

const PROVIDER_NAMES = new Map<object, string>([
  [localNetworkProvider, "LocalNetwork"],
  [localImageProvider, "LocalImage"],
  [localFrontDoorProvider, "LocalFrontDoor"],
  [localFleetProvider, "LocalFleet"],
]);

/** The `__provider` text a resource gets under {@link stubProviderSerialization}. */
export const stubProviderText = (name: string): string => `/* the ${name} provider */`;

/**
 * Replaces the closure serialization of the dynamic providers with a marker naming the provider,
 * and keeps the provider cache out of it. Under vitest the serializer cannot serialize the fleet and
 * front door providers (vitest hands out `node:http` as a module namespace, which the serializer
 * does not recognize as a built-in, so it walks into Node's internals); serialization itself is
 * tested in test/unit/providers/dynamicResource.test.ts and end to end. Returns the undo.
 */
export function stubProviderSerialization(): () => void {
  const cache = process.env.PHOENIX_PROVIDER_CACHE;
  process.env.PHOENIX_PROVIDER_CACHE = "off";
  const spy = vi.spyOn(pulumi.runtime, "serializeFunction").mockImplementation(async (fn) => {
    const provider = (fn as () => object)();
    const name = PROVIDER_NAMES.get(provider);
    if (!name) throw new Error("stubProviderSerialization: not a local provider");
    return { text: stubProviderText(name), exportName: "handler", containsSecrets: false };
  });
  return () => {
    spy.mockRestore();
    if (cache === undefined) delete process.env.PHOENIX_PROVIDER_CACHE;
    else process.env.PHOENIX_PROVIDER_CACHE = cache;
  };
}

/** Every output of `outputs`, resolved. */
export async function resolved(outputs: object): Promise<Record<string, unknown>> {
  const entries = Object.entries(outputs).filter(([, v]) => v !== undefined);
  return Object.fromEntries(
    await Promise.all(
      entries.map(async ([k, v]) => [k, await outputOf(pulumi.output(v))] as const),
    ),
  );
}

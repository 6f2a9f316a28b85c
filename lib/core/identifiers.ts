/**
 * Docker labels Phoenix puts on what it creates, so every provider finds its own objects again and
 * `destroy` can prove it left nothing behind. Labels never carry secrets.
 */
export const LABELS = {
  /** Image and container: the spec hash the image was built from. */
  specHash: "io.phoenix.spec-hash",
  /** Image: the resolved id of the base image it was built on. */
  baseId: "io.phoenix.base-id",
  /** Image: the spec's name (images are kept and pruned per name). */
  name: "io.phoenix.name",
  /** Container and network: the Pulumi stack. */
  stack: "io.phoenix.stack",
  /** Container: "instance" (a fleet member) or "frontdoor". */
  role: "io.phoenix.role",
  /** Container: the fleet's logical name, e.g. "web". */
  fleet: "io.phoenix.fleet",
  /** Container: the id of the LocalFleet resource that launched it. */
  fleetId: "io.phoenix.fleet-id",
  /** Container: its slot in the fleet, 0..desiredCount-1. */
  instance: "io.phoenix.instance",
} as const;

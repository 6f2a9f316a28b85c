/** The shape of a LocalFleet's inputs and outputs, shared by the provider and its launch helpers. */
import type { LocalInstanceKind } from "../../../lib/config/stackConfig";
import type { FleetInstance } from "../../../lib/local/fleetPlan";
import type { RolloutPolicy } from "../../../lib/rollout/policy";
import type { RolloutRecord } from "../../../lib/rollout/report";

/** Inputs of a LocalFleet, as the provider receives them. */
export interface LocalFleetInputs {
  readonly stack: string;
  /** Logical fleet name (the spec's name), e.g. "web". */
  readonly fleet: string;
  /** DNS alias every instance carries on `network`; the front door resolves it. */
  readonly alias: string;
  /** Docker network the instances join. */
  readonly network: string;
  readonly imageId: string;
  readonly specHash: string;
  readonly desiredCount: number;
  /** The app's port inside each instance. */
  readonly port: number;
  readonly health: {
    readonly path: string;
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly healthyThreshold: number;
  };
  /** Plain run-time environment (e.g. DRAIN_SECONDS). */
  readonly env: Record<string, string>;
  /** Secret environment (runtime injection); a Pulumi secret, kept encrypted in the state. */
  readonly secretEnv: Record<string, string>;
  readonly sysctls: Record<string, string>;
  readonly readOnlyRootFilesystem: boolean;
  /** Plain containers, or one-replica Swarm services (see lib/local/serviceSpec.ts). */
  readonly instanceKind: LocalInstanceKind;
  /** Paths whose changes are not drift; mounted as tmpfs when the root filesystem is read-only. */
  readonly scratch: string[];
  readonly stopGraceSeconds: number;
  /** Front door container whose pool the fleet joins and leaves. */
  readonly frontDoor?: string;
  /** Longest time the front door takes to drop an instance that fails its check, ms. */
  readonly leavePoolMs: number;
  /** Deadline for a whole launch to become healthy, ms. */
  readonly healthDeadlineMs: number;
  /**
   * Canary steps and bake of a new fleet (phoenix:rollout); none: all at once after the health
   * gate. Only a create uses it: a change of the policy alone changes nothing that runs.
   */
  readonly rollout?: RolloutPolicy;
  /** The release the fleet runs, `<version>-<hash12>` (lib/image/hash.ts imageTag), for messages. */
  readonly release?: string;
}

/** Outputs of a LocalFleet. */
export interface LocalFleetOutputs extends LocalFleetInputs {
  readonly instances: FleetInstance[];
  /** Container ids (service ids with `instances: services`), in slot order. */
  readonly instanceIds: string[];
  /** Names of the instances refresh found drifted; replaced by the next `pulumi up`. */
  readonly drifted: string[];
  /** Containers of the fleet refresh found that the state does not track; removed by the next up. */
  readonly orphans: string[];
  /** How the fleet's release went: its canary windows and their figures (none without a policy). */
  readonly lastRollout?: RolloutRecord;
}

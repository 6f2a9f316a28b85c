/**
 * Turns `pulumi preview --json` into the few lines a reviewer needs:
 *
 *   fleet web: REPLACE, 30 instances, spec 3f2a91c0 -> 9c1d22e4: openssl 3.0.11 -> 3.0.12
 *
 * Everything is derived from the preview's steps: the operation on each fleet resource, its
 * instance count and spec hash (old and new inputs), and the pinned packages of the images built
 * for those spec hashes (read from their rendered Dockerfile or a `packages` input).
 */
import { z } from "zod";
import { DYNAMIC_TYPES, TAGS } from "../core/identifiers";
import {
  type PackageChange,
  summarizePackageChanges,
  upstreamVersion as upstream,
} from "../image/manifest";

const StateSchema = z.looseObject({
  type: z.string(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
});
const StepSchema = z.looseObject({
  op: z.string(),
  urn: z.string(),
  oldState: StateSchema.optional().nullable(),
  newState: StateSchema.optional().nullable(),
});
/** The part of `pulumi preview --json` the summary reads. */
export const PreviewSchema = z.looseObject({
  steps: z.array(StepSchema).optional(),
  changeSummary: z.record(z.string(), z.number()).optional(),
});
/** A parsed preview document. */
export type Preview = z.infer<typeof PreviewSchema>;
type Step = z.infer<typeof StepSchema>;
type Inputs = Record<string, unknown>;

/** Resource types that are a fleet: a set of instances started from one image. */
export const FLEET_TYPES: readonly string[] = [
  DYNAMIC_TYPES.localFleet,
  "aws:autoscaling/group:Group",
];
/** Resource types that are an image built from a spec; their inputs carry the pinned packages. */
export const IMAGE_TYPES: readonly string[] = [
  DYNAMIC_TYPES.localImage,
  DYNAMIC_TYPES.registryImage,
];

/** What the preview does to a resource, in the words of the summary. */
export type Action = "CREATE" | "REPLACE" | "UPDATE" | "DELETE" | "UNCHANGED";

const ACTIONS: Record<string, Action> = {
  create: "CREATE",
  update: "UPDATE",
  delete: "DELETE",
  same: "UNCHANGED",
  replace: "REPLACE",
  "create-replacement": "REPLACE",
  "delete-replaced": "REPLACE",
  "discard-replaced": "REPLACE",
};

/** One fleet's change. */
export interface FleetChange {
  readonly name: string;
  readonly action: Action;
  readonly oldCount?: number;
  readonly newCount?: number;
  readonly oldSpec?: string;
  readonly newSpec?: string;
  /** `name old -> new` for every pinned package that differs between the old and new image. */
  readonly packages: string[];
  /** Names of the packages the old or new image pins (they lead the full package delta). */
  readonly pinned: string[];
}

/** Every package that moved between two images, keyed by `deltaKey(oldSpec, newSpec)`. */
export type PackageDeltas = ReadonlyMap<string, readonly PackageChange[]>;

/** The key of a fleet change's package delta. */
export function deltaKey(oldSpec: string, newSpec: string): string {
  return `${oldSpec}->${newSpec}`;
}

const urnName = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

function specHashOf(inputs: Inputs | undefined): string | undefined {
  if (!inputs) return undefined;
  const direct = str(inputs.specHash);
  if (direct) return direct;
  const tags = Array.isArray(inputs.tags) ? inputs.tags : [];
  for (const t of tags) {
    const tag = t as Inputs;
    if (tag && tag.key === TAGS.specHash) return str(tag.value);
  }
  return undefined;
}

function countOf(inputs: Inputs | undefined): number | undefined {
  if (!inputs) return undefined;
  return num(inputs.desiredCount) ?? num(inputs.count) ?? num(inputs.desiredCapacity);
}

/**
 * Pinned packages of an image: a `packages` map input, or the `'name=version'` arguments of the
 * apt-get line of its rendered Dockerfile (a `dockerfile` input, or `build.dockerfile`).
 */
export function packagesOf(inputs: Inputs | undefined): Record<string, string> {
  if (!inputs) return {};
  if (inputs.packages && typeof inputs.packages === "object") {
    return Object.fromEntries(
      Object.entries(inputs.packages as Inputs).filter(([, v]) => typeof v === "string"),
    ) as Record<string, string>;
  }
  const build = inputs.build && typeof inputs.build === "object" ? (inputs.build as Inputs) : {};
  const dockerfile = str(inputs.dockerfile) ?? str(build.dockerfile) ?? "";
  const out: Record<string, string> = {};
  // The install command and its backslash-continued lines.
  const lines = dockerfile.split("\n");
  const start = lines.findIndex((l) => l.includes("apt-get install"));
  let end = start;
  while (start >= 0 && end < lines.length - 1 && lines[end].trimEnd().endsWith("\\")) end++;
  const install = start >= 0 ? lines.slice(start, end + 1).join("\n") : "";
  for (const m of install.matchAll(/'([a-z0-9][a-z0-9+.-]*)=([^'\s]+)'/g)) out[m[1]] = m[2];
  return out;
}

/** `name old -> new` per changed package, upstream versions unless only the Debian revision moved. */
export function packageChanges(
  before: Record<string, string>,
  after: Record<string, string>,
): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: string[] = [];
  for (const n of names) {
    const a = before[n];
    const b = after[n];
    if (a === b) continue;
    if (a === undefined) out.push(`+${n} ${b}`);
    else if (b === undefined) out.push(`-${n} ${a}`);
    else if (upstream(a) !== upstream(b)) out.push(`${n} ${upstream(a)} -> ${upstream(b)}`);
    else out.push(`${n} ${a} -> ${b}`);
  }
  return out;
}

/** Packages of the image built for `specHash`, from any image step that has it (old or new). */
function imagePackages(
  steps: readonly Step[],
  specHash: string | undefined,
): Record<string, string> {
  if (!specHash) return {};
  for (const s of steps) {
    for (const state of [s.newState, s.oldState]) {
      if (state && IMAGE_TYPES.includes(state.type) && specHashOf(state.inputs) === specHash) {
        const p = packagesOf(state.inputs);
        if (Object.keys(p).length > 0) return p;
      }
    }
  }
  return {};
}

const RANK: Record<Action, number> = { UNCHANGED: 0, UPDATE: 1, CREATE: 2, DELETE: 2, REPLACE: 3 };

/** Collects one change per fleet resource (by URN); a replacement's several steps fold into one. */
export function fleetChanges(preview: Preview): FleetChange[] {
  const steps = preview.steps ?? [];
  const byUrn = new Map<string, { action: Action; old?: Inputs; new?: Inputs }>();
  for (const s of steps) {
    const type = s.newState?.type ?? s.oldState?.type ?? "";
    const action = ACTIONS[s.op];
    if (!FLEET_TYPES.includes(type) || !action) continue;
    const seen = byUrn.get(s.urn) ?? { action };
    if (RANK[action] > RANK[seen.action]) seen.action = action;
    // Deleting steps describe only the resource going away; its inputs are the old ones.
    const deleting = s.op === "delete" || s.op === "delete-replaced";
    seen.old = s.oldState?.inputs ?? (deleting ? s.newState?.inputs : undefined) ?? seen.old;
    if (!deleting) seen.new = s.newState?.inputs ?? seen.new;
    byUrn.set(s.urn, seen);
  }
  return [...byUrn.entries()].map(([urn, c]) => {
    const oldSpec = specHashOf(c.old);
    const newSpec = c.action === "DELETE" ? undefined : specHashOf(c.new);
    const name =
      str(c.new?.fleet) ??
      str(c.old?.fleet) ??
      str(c.new?.name) ??
      str(c.old?.name) ??
      urnName(urn);
    return {
      name,
      action: c.action,
      oldCount: countOf(c.old),
      newCount: c.action === "DELETE" ? undefined : countOf(c.new),
      oldSpec,
      newSpec,
      packages:
        oldSpec && newSpec && oldSpec !== newSpec
          ? packageChanges(imagePackages(steps, oldSpec), imagePackages(steps, newSpec))
          : [],
      pinned: [
        ...new Set([
          ...Object.keys(imagePackages(steps, oldSpec)),
          ...Object.keys(imagePackages(steps, newSpec)),
        ]),
      ],
    };
  });
}

const short = (hash: string | undefined): string => (hash ? hash.slice(0, 8) : "?");
const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

/**
 * `fleet web: REPLACE, 30 instances, spec 3f2a91c0 -> 9c1d22e4: openssl 3.0.11 -> 3.0.12`; with
 * the images' full package delta, the moved pins lead and the rest are counted: `...: openssl
 * 3.0.11 -> 3.0.12 and 3 more packages`.
 */
export function formatFleetChange(c: FleetChange, delta?: readonly PackageChange[]): string {
  const parts = [`fleet ${c.name}: ${c.action}`];
  const { oldCount, newCount } = c;
  if (newCount !== undefined && oldCount !== undefined && oldCount !== newCount) {
    parts.push(`${oldCount} -> ${plural(newCount, "instance")}`);
  } else if (newCount !== undefined || oldCount !== undefined) {
    parts.push(plural((newCount ?? oldCount) as number, "instance"));
  }
  if (c.action === "DELETE") parts.push(`spec ${short(c.oldSpec)}`);
  else if (c.oldSpec && c.newSpec && c.oldSpec !== c.newSpec) {
    parts.push(`spec ${short(c.oldSpec)} -> ${short(c.newSpec)}`);
  } else if (c.newSpec) parts.push(`spec ${short(c.newSpec)}`);
  const head = parts.join(", ");
  if (delta) {
    const pinnedMoved = delta.filter((d) => c.pinned.includes(d.name)).length;
    const text = summarizePackageChanges(delta, {
      lead: c.pinned,
      show: Math.min(3, Math.max(1, pinnedMoved)),
    });
    return `${head}: ${text}`;
  }
  return c.packages.length > 0 ? `${head}: ${c.packages.join(", ")}` : head;
}

const SUMMARY_ORDER = ["create", "update", "replace", "delete", "same"];
const SUMMARY_WORDS: Record<string, string> = {
  create: "to create",
  update: "to update",
  replace: "to replace",
  delete: "to delete",
  same: "unchanged",
};

/** The preview's totals, e.g. `2 to create, 1 to replace, 7 unchanged`. */
export function formatTotals(changeSummary: Record<string, number> | undefined): string {
  const parts = SUMMARY_ORDER.filter((k) => (changeSummary?.[k] ?? 0) > 0).map(
    (k) => `${changeSummary?.[k]} ${SUMMARY_WORDS[k]}`,
  );
  return parts.length > 0 ? `resources: ${parts.join(", ")}` : "resources: no changes";
}

/**
 * The whole summary: one line per fleet, then the totals.
 * @throws Error naming what is wrong when `json` is not a `pulumi preview --json` document.
 */
export function summarizePreview(json: unknown, opts: { deltas?: PackageDeltas } = {}): string[] {
  const preview = parsePreview(json);
  return [
    ...fleetChanges(preview).map((c) =>
      formatFleetChange(
        c,
        c.oldSpec && c.newSpec ? opts.deltas?.get(deltaKey(c.oldSpec, c.newSpec)) : undefined,
      ),
    ),
    formatTotals(preview.changeSummary),
  ];
}

/**
 * Checks that `json` is a `pulumi preview --json` document.
 * @throws Error naming what is wrong.
 */
export function parsePreview(json: unknown): Preview {
  const parsed = PreviewSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `not a \`pulumi preview --json\` document: ${issue?.path.join(".") || "(root)"}: ${issue?.message}; ` +
        "run `pulumi preview --json > preview.json` and pass that file",
    );
  }
  return parsed.data;
}

/**
 * `phoenix pins check|update <spec.yaml>`: whether the archive still has every pinned version, and
 * an exact, reviewable rewrite of the ones it lost (rotten), or of every pin with `--all`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { formatSpecDiff } from "../lib/guardrails/specDiff";
import {
  Archive,
  checkPins,
  formatPinMoves,
  formatPinReport,
  planPinUpdate,
} from "../lib/image/pins";
import { findRepoRoot, loadSpec } from "../lib/spec/spec";
import { setPackageVersions } from "../lib/spec/specEdit";
import { imageTag, specHash } from "../lib/image/hash";
import { side } from "./commands";
import { EXIT, Io, UsageError, positional } from "./io";

const FORM =
  "phoenix pins check [--if-unbuilt] <spec.yaml> | phoenix pins update [--all] <spec.yaml>";

/** The archive for a spec's pins, read inside its base image (loaded lazily: it needs dockerode). */
async function archiveOf(base: string, packages: readonly string[]): Promise<Archive> {
  const { readArchive } =
    require("../providers/docker/aptArchive") as typeof import("../providers/docker/aptArchive");
  return readArchive(base, packages);
}

/**
 * `phoenix pins check [--if-unbuilt] <spec.yaml>`: one line per pin; exit 1 when any is not in the
 * archive. With --if-unbuilt a spec whose image the local engine already has passes at once: it is
 * reused by its hash and never needs the archive again.
 */
async function check(args: readonly string[], io: Io): Promise<number> {
  const ifUnbuilt = args.includes("--if-unbuilt");
  const [specPath] = positional(
    args.filter((a) => a !== "--if-unbuilt"),
    1,
    "phoenix pins check [--if-unbuilt] <spec.yaml>",
  );
  const loaded = loadSpec(specPath);
  const { spec } = loaded;
  if (ifUnbuilt) {
    const ref = `${spec.name}:${imageTag(spec, specHash(loaded))}`;
    const { dockerClient } =
      require("../providers/docker/client") as typeof import("../providers/docker/client");
    const built = await dockerClient()
      .getImage(ref)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    if (built) {
      io.out(`${specPath}: ${ref} is built and reused by its hash; its pins are not needed\n`);
      return EXIT.ok;
    }
  }
  const archive = await archiveOf(spec.base, Object.keys(spec.packages));
  const statuses = checkPins(spec.packages, archive);
  io.out(formatPinReport(specPath, statuses));
  return statuses.every((s) => s.state === "present") ? EXIT.ok : EXIT.invalid;
}

/**
 * `phoenix pins update [--all] <spec.yaml>`: rewrites the pins in place (comments and layout kept),
 * then prints the moves and the reviewer's `phoenix diff` of the change.
 */
async function update(args: readonly string[], io: Io): Promise<number> {
  const all = args.includes("--all");
  const [specPath] = positional(
    args.filter((a) => a !== "--all"),
    1,
    "phoenix pins update [--all] <spec.yaml>",
  );
  const loaded = loadSpec(specPath);
  const { spec } = loaded;
  const archive = await archiveOf(spec.base, Object.keys(spec.packages));
  const moves = planPinUpdate(spec.packages, archive, { all });
  if (moves.length === 0) {
    io.out(
      `${specPath}: ${all ? "every pin is the current version" : "no rotten pins"}; nothing to change\n`,
    );
    return EXIT.ok;
  }
  const before = fs.readFileSync(loaded.specPath, "utf8");
  const after = setPackageVersions(before, Object.fromEntries(moves.map((m) => [m.name, m.to])));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-pins-"));
  try {
    const oldCopy = path.join(tmp, path.basename(loaded.specPath));
    fs.writeFileSync(oldCopy, before);
    fs.writeFileSync(loaded.specPath, after);
    const dir = path.dirname(loaded.specPath);
    const a = side(oldCopy, { sourceDir: dir, repoRoot: findRepoRoot(dir) });
    io.out(`${specPath}: ${moves.length} pin${moves.length === 1 ? "" : "s"} updated\n`);
    io.out(formatPinMoves(moves));
    io.out(formatSpecDiff(a, side(loaded.specPath)));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return EXIT.ok;
}

/** `phoenix pins <check|update> ...`. */
export async function pins(args: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "check") return check(rest, io);
  if (sub === "update") return update(rest, io);
  throw new UsageError(
    `expected check or update, got ${JSON.stringify(sub ?? "")}; usage: ${FORM}`,
  );
}

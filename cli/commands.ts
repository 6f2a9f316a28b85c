/** The `phoenix` subcommands: each loads what it needs, prints, and returns an exit code. */
import { fileDigests, imageTag, specHash } from "../lib/image/hash";
import { renderDockerfile } from "../lib/image/render";
import { loadSpec } from "../lib/spec/spec";
import { SpecSide } from "../lib/guardrails/specDiff";
import { EXIT, Io, positional } from "./io";

/** A spec with its hash and file digests; `opts` as for loadSpec. */
export function side(specPath: string, opts: Parameters<typeof loadSpec>[1] = {}): SpecSide {
  const loaded = loadSpec(specPath, opts);
  const files = fileDigests(loaded);
  return { loaded, hash: specHash(loaded), files };
}

/** `phoenix validate <spec.yaml>`: a one-line summary, or every problem (thrown). */
export function validate(args: readonly string[], io: Io): number {
  const [specPath] = positional(args, 1, "phoenix validate <spec.yaml>");
  const { loaded, hash, files } = side(specPath);
  const { spec } = loaded;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const appFiles = files.filter((f) => f.path.startsWith("app/")).length;
  io.out(
    `ok: ${spec.name} ${imageTag(spec, hash)} on ${spec.base}: ` +
      [
        count(Object.keys(spec.packages).length, "package"),
        count(appFiles, "app file"),
        count(loaded.configFiles.length, "config file"),
        count(Object.keys(spec.config.env).length, "env var"),
        count(Object.keys(spec.config.sysctls).length, "sysctl"),
        count(spec.secrets.length, "secret"),
      ].join(", ") +
      "\n",
  );
  return EXIT.ok;
}

/** `phoenix hash <spec.yaml>`: the 64-hex content hash and nothing else. */
export function hash(args: readonly string[], io: Io): number {
  const [specPath] = positional(args, 1, "phoenix hash <spec.yaml>");
  io.out(`${specHash(loadSpec(specPath))}\n`);
  return EXIT.ok;
}

/** `phoenix render <spec.yaml>`: the Dockerfile. */
export function render(args: readonly string[], io: Io): number {
  const [specPath] = positional(args, 1, "phoenix render <spec.yaml>");
  const loaded = loadSpec(specPath);
  io.out(renderDockerfile(loaded, specHash(loaded)));
  return EXIT.ok;
}

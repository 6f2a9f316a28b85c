/**
 * The shared image builder: packs the rendered Dockerfile and the spec's build context into a tar
 * archive and builds it with the Docker Engine API (dockerode), streaming the build output line by
 * line. Used by the LocalImage provider and by registry publishing. Dynamic providers serialize
 * this file by value, so it keeps no module-level state and requires dockerode inside the call.
 */
import { formatMissingPins, missingVersions, plainText } from "../../lib/image/pins";
import { tarArchive } from "../../lib/image/tar";
import { readArchive } from "./aptArchive";
import { NO_SPACE, diskFull, dockerClient } from "./client";

/** One file of the build context (the shape of lib/image/context.ts's ContextFile). */
export interface BuildContextFile {
  /** Posix path inside the build context, e.g. "app/server.js" or "config/0". */
  readonly path: string;
  /** Absolute path of the file on this machine. */
  readonly source: string;
  /** Unix permission bits. */
  readonly mode: number;
}

/** Everything one build needs. */
export interface DockerBuildOptions {
  /** The rendered Dockerfile text, placed at the root of the context as "Dockerfile". */
  readonly dockerfile: string;
  /** The build context files; their contents are read when the build starts. */
  readonly files: readonly BuildContextFile[];
  /** Full reference to tag the result with, e.g. "web:1.4.2-3f2a9c1e77d0". */
  readonly tag: string;
  /** Labels added to the image on top of the Dockerfile's own LABELs. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Build arguments (values of the Dockerfile's ARGs), e.g. { GIT_COMMIT: "abc123" }. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Called with each line of build output, without the trailing newline. */
  readonly onProgress?: (line: string) => void;
  /** Skip Docker's layer cache (a cold build). @default - the cache is used */
  readonly noCache?: boolean;
  /** Target platform, e.g. "linux/amd64". @default - the Docker engine's own platform */
  readonly platform?: string;
  /**
   * The spec file as the user names it (e.g. images/web.yaml) and its base image: a build that fails
   * on a pinned version apt no longer has then says so first, with the fix.
   * @default - such a failure shows apt's own output only
   */
  readonly pins?: { readonly specFile: string; readonly base: string };
}

/** One JSON message of Docker's build stream. */
interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** The build context archive: "Dockerfile" first, then the files in their given order. */
export function buildContextTar(
  opts: Pick<DockerBuildOptions, "dockerfile" | "files">,
): Promise<Buffer> {
  // Required here, not imported: a captured node:fs binding cannot be serialized into the state
  // when the program runs under a bundler-style loader (vitest's mock runs).
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const entries = [{ path: "Dockerfile", content: Buffer.from(opts.dockerfile), mode: 0o644 }];
  for (const f of opts.files) {
    if (f.path === "Dockerfile") {
      throw new Error(`build context: file ${f.source} would overwrite the rendered Dockerfile`);
    }
    entries.push({ path: f.path, content: readFileSync(f.source), mode: f.mode });
  }
  return tarArchive(entries);
}

/**
 * Builds an image and tags it `opts.tag`. Resolves with the image id (sha256:...); rejects with
 * Docker's error message and the last lines of build output when a step fails.
 */
export async function buildImage(opts: DockerBuildOptions): Promise<{ imageId: string }> {
  const docker = dockerClient();
  const { Readable } = require("node:stream") as typeof import("node:stream");
  const context = await buildContextTar(opts);
  const stream = await docker.buildImage(Readable.from([context]), {
    t: opts.tag,
    labels: opts.labels ?? {},
    buildargs: opts.buildArgs ?? {},
    rm: true,
    forcerm: true,
    nocache: opts.noCache === true,
    ...(opts.platform ? { platform: opts.platform } : {}),
  });
  const tail: string[] = [];
  // apt's own error sits well above the last lines; kept whole (bounded) to find it.
  const seen: string[] = [];
  let imageId: string | undefined;
  let failure: string | undefined;
  let partial = "";
  const emit = (text: string) => {
    const lines = plainText(partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      seen.push(line);
      if (seen.length > 2000) seen.shift();
      opts.onProgress?.(line);
    }
  };
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (msg: BuildMessage) => {
        if (msg.stream !== undefined) emit(msg.stream);
        else if (msg.status !== undefined) emit(`${msg.status}\n`);
        if (msg.aux?.ID !== undefined) imageId = msg.aux.ID;
        if (msg.error !== undefined) failure = msg.errorDetail?.message ?? msg.error;
      },
    );
  });
  emit("\n");
  if (failure !== undefined) {
    const output = `docker build of ${opts.tag} failed: ${plainText(failure)}\n--- last build output ---\n${plainText(tail.join("\n"))}`;
    if (output.includes(NO_SPACE))
      throw new Error(`${diskFull(`docker build of ${opts.tag}`)}\n${output}`);
    const missing = missingVersions(seen.join("\n"));
    if (missing.length === 0 || !opts.pins) throw new Error(output);
    const archive = await readArchive(
      opts.pins.base,
      missing.map((m) => m.name),
    ).catch(() => undefined);
    throw new Error(
      `${formatMissingPins({ specFile: opts.pins.specFile, missing, archive })}\n${output}`,
    );
  }
  if (imageId === undefined) {
    // The classic builder reports the id only as "Successfully built <short id>": ask for the tag.
    const info = await docker.getImage(opts.tag).inspect();
    imageId = info.Id as string;
  }
  return { imageId };
}

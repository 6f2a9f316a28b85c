/**
 * Runs a spec's tests against a freshly built image: each test's argv in its own throwaway
 * container of the image, as the app user, with no network and no secrets, killed at its timeout.
 * A failure throws the message `pulumi up` shows (test, command, exit code, output tail) before any
 * fleet or registry sees the image. Dynamic providers serialize this file by value into the state,
 * so it keeps no module-level state and requires dockerode inside each call.
 *
 * Where "these tests passed" is recorded: an image's labels cannot change after the build, so the
 * local engine keeps the record as a tag, `phoenix-tested/<name>:<spec hash>`, put on the image only
 * after all its tests passed. A reused image counts as tested only when that tag points at it (tests
 * are part of the spec hash, so the tag names exactly these tests); otherwise they run again. The
 * registry needs no record of its own: images are pushed only after their tests passed.
 */
import type Dockerode from "dockerode";
import { LABELS, TESTED_IMAGE_REPOSITORY } from "../../lib/core/identifiers";
import {
  type TestFailure,
  type TestRun,
  formatTestFailures,
  judgeTest,
} from "../../lib/image/imageTests";
import { APP_UID } from "../../lib/image/render";
import type { SpecTest } from "../../lib/spec/spec";
import { dockerClient, isNotFound } from "./client";

/** Output kept per test run; the head of a longer output is dropped. */
const MAX_OUTPUT_BYTES = 256 * 1024;

/** What one call tests. */
export interface ImageTestOptions {
  /** sha256:... id of the image under test. */
  readonly imageId: string;
  /** Human reference for messages, e.g. `web:v3.4.1-0123456789ab`. */
  readonly ref: string;
  /** 64-hex spec hash the image was built from (labels the test containers). */
  readonly specHash: string;
  readonly tests: readonly SpecTest[];
  /** Called with one line per test started and finished. */
  readonly onProgress?: (line: string) => void;
}

/** The combined stdout and stderr of a stopped container, in the order it wrote them. */
async function containerOutput(docker: Dockerode, container: Dockerode.Container): Promise<string> {
  const stream = await container.logs({ follow: true, stdout: true, stderr: true });
  const chunks: Buffer[] = [];
  let size = 0;
  // Required here, not imported: a captured module binding cannot be serialized into the state.
  const { PassThrough } = require("node:stream") as typeof import("node:stream");
  const sink = new PassThrough();
  sink.on("data", (c: Buffer) => {
    chunks.push(c);
    size += c.length;
    while (size > MAX_OUTPUT_BYTES && chunks.length > 1) size -= chunks.shift()!.length;
  });
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  return Buffer.concat(chunks).toString("utf8");
}

/** Runs one test in a throwaway container and returns what it did; never throws for the test's sake. */
export async function runTest(
  opts: ImageTestOptions & { readonly test: SpecTest },
): Promise<TestRun> {
  const docker = dockerClient();
  const { test } = opts;
  const container = await docker.createContainer({
    Image: opts.imageId,
    Cmd: [...test.run],
    User: `${APP_UID}:${APP_UID}`,
    Labels: { [LABELS.role]: "test", [LABELS.specHash]: opts.specHash },
    HostConfig: { NetworkMode: "none", AutoRemove: false },
  });
  try {
    try {
      await container.start();
    } catch (err) {
      // The argv's program is missing or not executable: the runtime refuses to start it.
      const message = (err as { json?: { message?: string } }).json?.message ?? String(err);
      return { output: "", timedOut: false, startError: message };
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), test.timeoutSeconds * 1000);
    });
    const waited = await Promise.race([container.wait(), deadline]);
    clearTimeout(timer);
    if (waited === "timeout") {
      await container.kill().catch(() => undefined);
      await container.wait();
      return { output: await containerOutput(docker, container), timedOut: true };
    }
    const exitCode = (waited as { StatusCode: number }).StatusCode;
    return { exitCode, output: await containerOutput(docker, container), timedOut: false };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Runs every test (one at a time); throws one error naming every failure. */
export async function runImageTests(opts: ImageTestOptions): Promise<void> {
  const failures: TestFailure[] = [];
  for (const test of opts.tests) {
    const started = Date.now();
    const run = await runTest({ ...opts, test });
    const reason = judgeTest(test, run);
    const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    opts.onProgress?.(
      `test ${JSON.stringify(test.name)}: ${reason ? `FAILED, ${reason}` : "passed"} (${took})`,
    );
    if (reason) failures.push({ test, run, reason });
  }
  if (failures.length > 0) throw new Error(formatTestFailures(opts.ref, failures));
}

/** The tag that records "the tests of spec `specHash` passed on this image" in the local engine. */
export function testedRecordRef(name: string, specHash: string): { repo: string; tag: string } {
  return { repo: `${TESTED_IMAGE_REPOSITORY}/${name}`, tag: specHash };
}

/** True when the record says the tests of `specHash` passed on exactly `imageId`. */
export async function testsRecorded(
  name: string,
  specHash: string,
  imageId: string,
): Promise<boolean> {
  const { repo, tag } = testedRecordRef(name, specHash);
  try {
    const info = await dockerClient().getImage(`${repo}:${tag}`).inspect();
    return info.Id === imageId;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Makes sure `imageId` passed the tests of its spec: done when the record says so, otherwise runs
 * them and records the pass. Returns what happened, for the caller's log line.
 */
export async function ensureImageTested(
  opts: ImageTestOptions & { readonly name: string },
): Promise<"no tests" | "recorded" | "passed"> {
  if (opts.tests.length === 0) return "no tests";
  if (await testsRecorded(opts.name, opts.specHash, opts.imageId)) return "recorded";
  await runImageTests(opts);
  const { repo, tag } = testedRecordRef(opts.name, opts.specHash);
  await dockerClient().getImage(opts.imageId).tag({ repo, tag });
  return "passed";
}

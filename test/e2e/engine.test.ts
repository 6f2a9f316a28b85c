/**
 * The real Pulumi engine, end to end, on the local file backend: the tiny fixture (one ComponentResource
 * owning one dynamic-provider resource that manages a marker file) goes through preview, up, a
 * replacement (create-before-delete, read from the provider's own call log), refresh of out-of-band
 * drift, and destroy. Needs `npm run setup` (pulumi + the dynamic-provider launcher in .tools/bin).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProviderCall } from "./fixtures/tiny";
import {
  exportStack,
  initStack,
  pulumiOk,
  removeStack,
  runProgram,
  runProgramOk,
  setConfig,
  stackOutputs,
  uniqueStackName,
} from "./harness";

const PROJECT = path.join(__dirname, "fixtures", "tiny");
const STEP_TIMEOUT = 5 * 60_000;
const MARKER_TYPE = "pulumi-nodejs:dynamic:Resource";
const COMPONENT_TYPE = "phoenix:e2e:Tiny";

const stack = uniqueStackName("e2e-engine");
let work: string;
let markers: string;
let logFile: string;

function calls(): ProviderCall[] {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ProviderCall);
}

function markerFiles(): string[] {
  return fs.readdirSync(markers).sort();
}

function opsSince(start: number): string[] {
  return calls()
    .slice(start)
    .filter((c) => c.op !== "check" && c.op !== "diff")
    .map((c) => `${c.op}:${c.generation}`);
}

describe("real Pulumi engine on the local file backend", { timeout: STEP_TIMEOUT }, () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-e2e-engine-"));
    markers = path.join(work, "markers");
    fs.mkdirSync(markers);
    logFile = path.join(work, "provider-calls.jsonl");
    await initStack(stack, PROJECT);
    await setConfig(stack, PROJECT, "tiny:dir", markers);
    await setConfig(stack, PROJECT, "tiny:logFile", logFile);
    await setConfig(stack, PROJECT, "tiny:generation", "1");
    await setConfig(stack, PROJECT, "tiny:content", "first");
  }, STEP_TIMEOUT);

  afterAll(async () => {
    // Best effort when a step failed half-way: destroy what is left, then drop the stack and files.
    const left = await exportStack(stack, PROJECT).catch(() => undefined);
    if ((left?.deployment.resources ?? []).length > 0) {
      await runProgram("destroy", { cwd: PROJECT, stack });
    }
    await removeStack(stack, PROJECT);
    fs.rmSync(path.join(PROJECT, `Pulumi.${stack}.yaml`), { force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, STEP_TIMEOUT);

  it("previews the stack without touching anything", async () => {
    const r = await runProgramOk("preview", { cwd: PROJECT, stack });
    expect(r.changes).toEqual({ create: 3 }); // stack + component + marker
    expect(markerFiles()).toEqual([]);
    expect(calls().some((c) => c.op === "create")).toBe(false);
  });

  it("deploys the component and its dynamic resource", async () => {
    const r = await runProgramOk("up", { cwd: PROJECT, stack });
    expect(r.changes).toEqual({ create: 3 });
    const file = path.join(markers, "marker-gen1.txt");
    expect(fs.readFileSync(file, "utf8")).toBe("first");
    expect(opsSince(0)).toEqual(["create:1"]);

    const outputs = await stackOutputs(stack, PROJECT);
    expect(outputs).toMatchObject({ markerPath: file, generation: 1, content: "first" });
    expect(r.outputs).toEqual(outputs);

    const resources = (await exportStack(stack, PROJECT)).deployment.resources ?? [];
    const component = resources.find((res) => res.type === COMPONENT_TYPE);
    const marker = resources.find((res) => res.type === MARKER_TYPE);
    expect(component?.urn).toBe(outputs.componentUrn);
    expect(marker).toMatchObject({ id: file, parent: component?.urn, urn: outputs.markerUrn });
  });

  it("reports no changes when nothing changed", async () => {
    const r = await runProgramOk("preview", { cwd: PROJECT, stack, args: ["--expect-no-changes"] });
    expect(r.changes).toEqual({ same: 3 });
  });

  it("replaces the marker create-before-delete when the provider's diff asks for it", async () => {
    const before = calls().length;
    await setConfig(stack, PROJECT, "tiny:generation", "2");
    const r = await runProgramOk("up", { cwd: PROJECT, stack });
    expect(r.changes).toEqual({ same: 2, replace: 1 });

    const diff = calls()
      .slice(before)
      .find((c) => c.op === "diff");
    expect(diff?.replaces).toEqual(["generation"]);
    // The engine's order, as the provider saw it: new marker created, then the old one deleted.
    expect(opsSince(before)).toEqual(["create:2", "delete:1"]);
    expect(markerFiles()).toEqual(["marker-gen2.txt"]);

    const outputs = await stackOutputs(stack, PROJECT);
    expect(outputs).toMatchObject({
      markerPath: path.join(markers, "marker-gen2.txt"),
      generation: 2,
    });
  });

  it("updates in place when only the content changes", async () => {
    const before = calls().length;
    await setConfig(stack, PROJECT, "tiny:content", "second");
    const r = await runProgramOk("up", { cwd: PROJECT, stack });
    expect(r.changes).toEqual({ same: 2, update: 1 });
    expect(opsSince(before)).toEqual(["update:2"]);
    expect(fs.readFileSync(path.join(markers, "marker-gen2.txt"), "utf8")).toBe("second");
  });

  it("refresh reads drift made outside the engine into the state", async () => {
    const file = path.join(markers, "marker-gen2.txt");
    fs.writeFileSync(file, "edited by hand");
    const before = calls().length;
    const r = await runProgramOk("refresh", { cwd: PROJECT, stack });
    expect(r.changes).toMatchObject({ update: 1 });
    expect(opsSince(before)).toEqual(["read:2"]);
    const marker = (await exportStack(stack, PROJECT)).deployment.resources?.find(
      (res) => res.type === MARKER_TYPE,
    );
    expect(marker?.outputs?.content).toBe("edited by hand");
  });

  it("destroys everything and leaves an empty stack", async () => {
    const before = calls().length;
    const r = await runProgramOk("destroy", { cwd: PROJECT, stack });
    expect(r.changes).toEqual({ delete: 3 });
    expect(opsSince(before)).toEqual(["delete:2"]);
    expect(markerFiles()).toEqual([]);
    expect((await exportStack(stack, PROJECT)).deployment.resources ?? []).toEqual([]);
    await pulumiOk(["stack", "rm", "--yes", stack], { cwd: PROJECT });
  });
});

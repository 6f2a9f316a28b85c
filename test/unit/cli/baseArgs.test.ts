import { describe, expect, it } from "vitest";
import { parseBaseArgs } from "../../../cli/gitBase";
import { UsageError } from "../../../cli/io";

const FORM = "phoenix x [--base <git rev>] <spec.yaml>";

describe("parseBaseArgs", () => {
  it("takes --base <rev> and --base=<rev> anywhere, and keeps the files in order", () => {
    expect(parseBaseArgs(["a.yaml", "--base", "HEAD~1", "b.yaml"], FORM)).toEqual({
      base: "HEAD~1",
      files: ["a.yaml", "b.yaml"],
    });
    expect(parseBaseArgs(["--base=main", "spec.yaml"], FORM)).toEqual({
      base: "main",
      files: ["spec.yaml"],
    });
    expect(parseBaseArgs(["spec.yaml"], FORM)).toEqual({ base: undefined, files: ["spec.yaml"] });
  });

  it("refuses --base without a revision and unknown options, quoting the usage line", () => {
    for (const args of [
      ["spec.yaml", "--base"],
      ["--base", "--other", "spec.yaml"],
    ]) {
      expect(() => parseBaseArgs(args, FORM)).toThrow(UsageError);
      expect(() => parseBaseArgs(args, FORM)).toThrow(
        `--base needs a git revision; usage: ${FORM}`,
      );
    }
    expect(() => parseBaseArgs(["-x", "spec.yaml"], FORM)).toThrow(
      `unknown option -x; usage: ${FORM}`,
    );
  });
});

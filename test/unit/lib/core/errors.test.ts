import { describe, expect, it } from "vitest";
import { ValidationError, formatIssues, joinPath, show } from "../../../../lib/core/errors";

describe("formatIssues", () => {
  it("writes one `<path>: <message>` line per issue, in order", () => {
    expect(
      formatIssues([
        { path: "packages.openssl", message: "must be pinned" },
        { path: "app.command[0]", message: "is empty" },
      ]),
    ).toBe("packages.openssl: must be pinned\napp.command[0]: is empty");
    expect(formatIssues([])).toBe("");
  });
});

describe("ValidationError", () => {
  it("carries every issue and says them all in its message", () => {
    const issues = [
      { path: "a", message: "one" },
      { path: "b", message: "two" },
    ];
    const err = new ValidationError(issues);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("ValidationError");
    expect(err.message).toBe("a: one\nb: two");
    expect(err.issues).toEqual(issues);
    issues.push({ path: "c", message: "later" });
    expect(err.issues).toHaveLength(2);
  });
});

describe("show", () => {
  it("quotes strings and makes invisible characters visible", () => {
    expect(show("web")).toBe('"web"');
    expect(show("a\nb")).toBe('"a\\nb"');
    expect(show("del\u007f")).toBe('"del\\u007f"');
    expect(show("c1\u0085")).toBe('"c1\\u0085"');
    expect(show("\u009f")).toBe('"\\u009f"');
    expect(show("ls\u2028ps\u2029")).toBe('"ls\\u2028ps\\u2029"');
    expect(show("~\u00a0")).toBe('"~\u00a0"');
  });

  it("names what is not a scalar instead of dumping it", () => {
    expect(show(undefined)).toBe("nothing");
    expect(show(null)).toBe("null");
    expect(show(3)).toBe("3");
    expect(show(false)).toBe("false");
    expect(show(true)).toBe("true");
    expect(show([1, 2])).toBe("a list");
    expect(show({ secret: "x" })).toBe("a mapping");
  });
});

describe("joinPath", () => {
  it("joins keys with dots and indexes with brackets", () => {
    expect(joinPath(["app", "command", 0])).toBe("app.command[0]");
    expect(joinPath([0, "name"])).toBe("[0].name");
    expect(joinPath(["packages", "openssl"])).toBe("packages.openssl");
    expect(joinPath(["tests", 1, "expect", 2])).toBe("tests[1].expect[2]");
  });

  it("names the root when the path is empty", () => {
    expect(joinPath([])).toBe("(root)");
  });
});

import { describe, expect, it } from "vitest";
import { formatTestFailures, judgeTest, outputTail } from "../../../../lib/image/imageTests";
import type { SpecTest } from "../../../../lib/spec/spec";

const OPENSSL: SpecTest = {
  name: "openssl is the patched build",
  run: ["openssl", "version"],
  expect: "^OpenSSL 3\\.0\\.22 .*\\(Library: OpenSSL 3\\.0\\.22 ",
  timeoutSeconds: 30,
};

describe("judgeTest", () => {
  it("passes exit 0 whose output matches expect", () => {
    const output = "OpenSSL 3.0.22 25 Aug 2026 (Library: OpenSSL 3.0.22 25 Aug 2026)\n";
    expect(judgeTest(OPENSSL, { exitCode: 0, output, timedOut: false })).toBeUndefined();
  });

  it("fails a binary patched without its library", () => {
    const output = "OpenSSL 3.0.22 25 Aug 2026 (Library: OpenSSL 3.0.20 7 Apr 2026)\n";
    expect(judgeTest(OPENSSL, { exitCode: 0, output, timedOut: false })).toBe(
      "exited with code 0, but its output does not match expect /^OpenSSL 3\\.0\\.22 .*\\(Library: OpenSSL 3\\.0\\.22 /",
    );
  });

  it("without expect, passes on exit 0 and fails on any other code", () => {
    const t: SpecTest = { name: "t", run: ["true"], timeoutSeconds: 30 };
    expect(judgeTest(t, { exitCode: 0, output: "", timedOut: false })).toBeUndefined();
    expect(judgeTest(t, { exitCode: 3, output: "", timedOut: false })).toBe("exited with code 3");
  });

  it("fails a non-zero exit even when the output matches", () => {
    const output = "OpenSSL 3.0.22 x (Library: OpenSSL 3.0.22 x)";
    expect(judgeTest(OPENSSL, { exitCode: 1, output, timedOut: false })).toBe("exited with code 1");
  });

  it("anchors $ at the last line: trailing newlines are trimmed", () => {
    const t: SpecTest = {
      name: "node",
      run: ["node", "--version"],
      expect: "^v18\\.20\\.4$",
      timeoutSeconds: 30,
    };
    expect(judgeTest(t, { exitCode: 0, output: "v18.20.4\n", timedOut: false })).toBeUndefined();
    expect(judgeTest(t, { exitCode: 0, output: "v18.20.5\n", timedOut: false })).toMatch(/match/);
  });

  it("reports a timeout and a command that cannot start", () => {
    const t: SpecTest = { name: "t", run: ["sleep", "99"], timeoutSeconds: 2 };
    expect(judgeTest(t, { output: "", timedOut: true })).toBe(
      "did not finish within 2 s (timeoutSeconds)",
    );
    expect(
      judgeTest(t, { output: "", timedOut: false, startError: 'exec: "sleep": not found' }),
    ).toBe('could not start: exec: "sleep": not found');
  });
});

describe("outputTail", () => {
  it("keeps the last lines and says how many were cut", () => {
    const output = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`).join("\r\n");
    const tail = outputTail(output, 3);
    expect(tail).toBe("(22 earlier lines not shown)\nline 23\nline 24\nline 25");
    expect(outputTail("\n")).toBe("(no output)");
  });
});

describe("formatTestFailures", () => {
  it("names the image, each test, its command, the reason and the output tail", () => {
    const text = formatTestFailures("web:v3.4.2-0a717458156d", [
      {
        test: OPENSSL,
        run: { exitCode: 0, output: "OpenSSL 3.0.22 (Library: OpenSSL 3.0.20)\n", timedOut: false },
        reason: "exited with code 0, but its output does not match expect /x/",
      },
    ]);
    expect(text).toContain("image web:v3.4.2-0a717458156d: 1 spec test failed;");
    expect(text).toContain("the running fleet is untouched");
    expect(text).toContain(
      'test "openssl is the patched build" failed: ["openssl","version"] exited with code 0, but its output does not match expect /x/\n--- output (tail) ---\nOpenSSL 3.0.22 (Library: OpenSSL 3.0.20)\n',
    );
  });
});

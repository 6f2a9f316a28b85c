import { describe, expect, it } from "vitest";
import { crashed } from "../../../../providers/docker/dockerRuntime";

const info = (
  state: { Running: boolean; Restarting: boolean; ExitCode: number },
  RestartCount = 0,
) => ({
  State: state,
  RestartCount,
});

describe("crashed", () => {
  it("is undefined for a container that runs and never restarted", () => {
    expect(crashed(info({ Running: true, Restarting: false, ExitCode: 0 }))).toBeUndefined();
  });

  it("names the exit code of a stopped container", () => {
    expect(crashed(info({ Running: false, Restarting: false, ExitCode: 137 }))).toBe(
      "exited (code 137)",
    );
  });

  it("sees a crash that the restart policy hides: Docker says Running while it waits to restart", () => {
    expect(crashed(info({ Running: true, Restarting: true, ExitCode: 1 }, 1))).toBe(
      "exited (code 1)",
    );
    expect(crashed(info({ Running: true, Restarting: false, ExitCode: 0 }, 2))).toBe(
      "exited and was restarted 2 time(s)",
    );
  });

  it("names the exit code of the last exit when it is known, whatever the restart policy did", () => {
    expect(crashed(info({ Running: true, Restarting: false, ExitCode: 0 }, 2), 1)).toBe(
      "exited (code 1) and was restarted 2 time(s)",
    );
    expect(crashed(info({ Running: true, Restarting: true, ExitCode: 0 }, 1), 3)).toBe(
      "exited (code 3)",
    );
    expect(crashed(info({ Running: true, Restarting: false, ExitCode: 0 }), 1)).toBeUndefined();
  });
});

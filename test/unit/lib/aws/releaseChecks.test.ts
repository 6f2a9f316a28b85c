import { describe, expect, it } from "vitest";
import {
  NO_CLIENT_CIDR,
  candidateSourceIps,
  crossAccountPromotionWarning,
  healthTimingProblem,
} from "../../../../lib/aws/releaseChecks";

describe("healthTimingProblem", () => {
  it("accepts timings the load balancer and the gate can pass within the wait", () => {
    expect(
      healthTimingProblem({
        intervalSeconds: 30,
        healthyThreshold: 5,
        settleSeconds: 60,
        timeoutSeconds: 600,
      }),
    ).toBeUndefined();
  });

  it("refuses timings that need the whole wait or more, naming the spec fields and the numbers", () => {
    expect(
      healthTimingProblem({
        intervalSeconds: 120,
        healthyThreshold: 5,
        settleSeconds: 240,
        timeoutSeconds: 600,
      }),
    ).toBe(
      "app.health: the load balancer needs healthyThreshold (5) x intervalSeconds (120s) = 600s to " +
        "call a new instance healthy, and the release gate then waits 240s (2 intervals) for it to " +
        "stay healthy: 840s before any boot time, not less than the 600s a release has to become " +
        "healthy (waitForCapacityTimeout), so every release would fail; lower " +
        "app.health.intervalSeconds or app.health.healthyThreshold in the spec",
    );
    // Exactly the wait leaves no time to boot: refused too.
    expect(
      healthTimingProblem({
        intervalSeconds: 100,
        healthyThreshold: 4,
        settleSeconds: 200,
        timeoutSeconds: 600,
      }),
    ).toMatch(/^app\.health: .* 600s before any boot time/);
  });
});

describe("candidateSourceIps", () => {
  it("uses the configured blocks, or an address no internet client has", () => {
    expect(candidateSourceIps(["203.0.113.0/24"])).toEqual(["203.0.113.0/24"]);
    expect(candidateSourceIps([])).toEqual([NO_CLIENT_CIDR]);
    expect(NO_CLIENT_CIDR).toBe("192.0.2.0/32");
  });
});

describe("crossAccountPromotionWarning", () => {
  it("says nothing for a repository of the stack's own account", () => {
    expect(
      crossAccountPromotionWarning({
        repositoryAccount: "123456789012",
        deployAccount: "123456789012",
      }),
    ).toBeUndefined();
  });

  it("names both accounts and the ECR actions the retire's live tag needs", () => {
    expect(
      crossAccountPromotionWarning({
        repositoryAccount: "210987654321",
        deployAccount: "123456789012",
      }),
    ).toBe(
      "phoenix:imageRepository is in account 210987654321, and this stack deploys to 123456789012: " +
        "after every switch the retire tags the serving image there (ecr:ListImages, " +
        "ecr:BatchGetImage, ecr:PutImage, ecr:BatchDeleteImage), which pullAccountIds does not " +
        "grant, so every `pulumi up` fails at the retire until the building account's repository " +
        "policy grants those actions to account 123456789012 (docs/aws-releases.md)",
    );
  });
});

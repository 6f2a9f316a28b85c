/** The pure plans the aws components follow: listeners, VPC endpoints and launch-template hardening. */
import { describe, expect, it } from "vitest";
import { TLS_POLICY, frontDoorPlan } from "../../../../lib/aws/frontDoorListeners";
import { instanceHardening } from "../../../../lib/aws/instanceHardening";
import { ENDPOINT_SERVICES, vpcEndpointPlan } from "../../../../lib/aws/vpcEndpoints";

const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d";

describe("frontDoorPlan", () => {
  it("without a certificate serves plain HTTP on 80 and says how to turn HTTPS on", () => {
    const plan = frontDoorPlan(undefined);
    expect(plan).toMatchObject({
      listeners: [{ suffix: "-http", port: 80, protocol: "HTTP", action: "forward" }],
      ingressPorts: [80],
      scheme: "http",
    });
    expect(plan.listeners[0]).not.toHaveProperty("certificateArn");
    expect(plan.warning).toBe(
      "phoenix:certificateArn is not set: the front door serves plain HTTP on port 80 only. " +
        "Set it to an ACM certificate ARN in the stack's region (`pulumi config set " +
        "phoenix:certificateArn arn:aws:acm:...`) to serve HTTPS on 443 and redirect port 80 there.",
    );
    expect(frontDoorPlan("").scheme).toBe("http");
  });

  it("with a certificate forwards HTTPS on 443 with the pinned TLS policy and redirects 80", () => {
    expect(TLS_POLICY).toBe("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09");
    expect(frontDoorPlan(CERT)).toEqual({
      listeners: [
        {
          suffix: "-https",
          port: 443,
          protocol: "HTTPS",
          action: "forward",
          sslPolicy: TLS_POLICY,
          certificateArn: CERT,
        },
        { suffix: "-http", port: 80, protocol: "HTTP", action: "redirect-to-https" },
      ],
      ingressPorts: [80, 443],
      scheme: "https",
    });
  });
});

describe("vpcEndpointPlan", () => {
  it("plans ECR api and dkr, SSM and Logs as interface endpoints and S3 as a gateway", () => {
    expect(vpcEndpointPlan("eu-west-1")).toEqual([
      { suffix: "-ecr-api", serviceName: "com.amazonaws.eu-west-1.ecr.api", type: "Interface" },
      { suffix: "-ecr-dkr", serviceName: "com.amazonaws.eu-west-1.ecr.dkr", type: "Interface" },
      { suffix: "-s3", serviceName: "com.amazonaws.eu-west-1.s3", type: "Gateway" },
      { suffix: "-ssm", serviceName: "com.amazonaws.eu-west-1.ssm", type: "Interface" },
      { suffix: "-logs", serviceName: "com.amazonaws.eu-west-1.logs", type: "Interface" },
    ]);
    expect(ENDPOINT_SERVICES).toHaveLength(5);
  });

  it("names China regions' services under cn.com.amazonaws, and only those", () => {
    expect(vpcEndpointPlan("cn-northwest-1").map((e) => e.serviceName)).toEqual([
      "cn.com.amazonaws.cn-northwest-1.ecr.api",
      "cn.com.amazonaws.cn-northwest-1.ecr.dkr",
      "cn.com.amazonaws.cn-northwest-1.s3",
      "cn.com.amazonaws.cn-northwest-1.ssm",
      "cn.com.amazonaws.cn-northwest-1.logs",
    ]);
    expect(vpcEndpointPlan("eu-cn-1")[0].serviceName).toBe("com.amazonaws.eu-cn-1.ecr.api");
  });
});

describe("instanceHardening", () => {
  it("gives no public address, requires IMDSv2 with a hop limit of 1 and encrypts the root volume", () => {
    expect(instanceHardening({ securityGroupId: "sg-1", rootDeviceName: "/dev/xvda" })).toEqual({
      networkInterfaces: [
        {
          deviceIndex: 0,
          associatePublicIpAddress: "false",
          deleteOnTermination: "true",
          securityGroups: ["sg-1"],
        },
      ],
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: { encrypted: "true", volumeType: "gp3", deleteOnTermination: "true" },
        },
      ],
    });
  });

  it("raises the hop limit to 2 only when containers may reach IMDS, and uses the given KMS key", () => {
    const h = instanceHardening({
      securityGroupId: "sg-1",
      rootDeviceName: "/dev/sda1",
      kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k",
      containerInstanceMetadata: true,
    });
    expect(h.metadataOptions.httpPutResponseHopLimit).toBe(2);
    expect(h.blockDeviceMappings[0]).toEqual({
      deviceName: "/dev/sda1",
      ebs: {
        encrypted: "true",
        kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k",
        volumeType: "gp3",
        deleteOnTermination: "true",
      },
    });
    const off = instanceHardening({
      securityGroupId: "s",
      rootDeviceName: "d",
      containerInstanceMetadata: false,
      kmsKeyId: "",
    });
    expect(off.metadataOptions.httpPutResponseHopLimit).toBe(1);
    expect(off.blockDeviceMappings[0].ebs).not.toHaveProperty("kmsKeyId");
  });
});

import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/**
 * Shared Pulumi mocks for unit tests. Records every resource registration (inputs AND the resource
 * options the engine would receive: replaceOnChanges, deleteBeforeReplace, ignoreChanges,
 * retainOnDelete, replacementTrigger, parent), answers a few provider functions, and throws on any
 * other provider function call so a test never passes against a silently made-up value.
 *
 * Usage: `const mocks = await setupMocks()` in `beforeAll`, then `await import()` the module under test.
 */

/** Options of one registration, as sent to the engine. */
export interface RecordedOptions {
  readonly parent: string;
  readonly replaceOnChanges: string[];
  readonly deleteBeforeReplace: boolean;
  readonly deleteBeforeReplaceDefined: boolean;
  readonly ignoreChanges: string[];
  readonly retainOnDelete: boolean | undefined;
  readonly protect: boolean | undefined;
  readonly dependencies: string[];
  /** URNs each input property depends on, by property name (what the analyzer gets too). */
  readonly propertyDependencies: Record<string, string[]>;
  readonly additionalSecretOutputs: string[];
  /** The `replacementTrigger` option, deserialized; undefined when not set. */
  readonly replacementTrigger: unknown;
}

/** One `registerResource` call: type token, logical name, inputs and options. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly inputs: Record<string, any>;
  readonly options: RecordedOptions;
}

/** One provider function call (`invoke`). */
export interface RecordedCall {
  readonly token: string;
  readonly inputs: Record<string, any>;
}

/** Answers a provider function call; return the function's result object. */
export type CallHandler = (inputs: Record<string, any>) => Record<string, unknown>;

/** What `setupMocks` returns: the recordings and a few lookups over them. */
export interface MockRecorder {
  readonly resources: RecordedResource[];
  readonly calls: RecordedCall[];
  /** Every registration of a type token, in order. */
  ofType(type: string): RecordedResource[];
  /** The one registration with this type and logical name; throws if absent, listing what exists. */
  get(type: string, name: string): RecordedResource;
  /** URN of every registration, as the engine answered it (parent types included). */
  readonly urns: string[];
  /**
   * What the component with this URN passed to `registerOutputs`, as sent to the engine (secrets in
   * their wire form, see {@link isSecret}); resolves once it has.
   */
  registeredOutputs(urn: string): Promise<Record<string, any>>;
}

/** Mock account and region used by the default call answers and computed outputs. */
export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "eu-west-1";

/** Provider function results the components need; anything else throws. */
export const DEFAULT_CALLS: Readonly<Record<string, CallHandler>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: MOCK_ACCOUNT,
    arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/phoenix-test`,
    id: MOCK_ACCOUNT,
    userId: "AIDAPHOENIXTEST",
  }),
  "aws:index/getRegion:getRegion": () => ({
    description: "Europe (Ireland)",
    endpoint: `ec2.${MOCK_REGION}.amazonaws.com`,
    id: MOCK_REGION,
    name: MOCK_REGION,
    region: MOCK_REGION,
  }),
  // An Amazon Linux 2023 AMI: root device /dev/xvda.
  "aws:ec2/getAmi:getAmi": (inputs) => ({
    id: inputs.filters?.[0]?.values?.[0] ?? "ami-0123456789abcdef0",
    rootDeviceName: "/dev/xvda",
    rootDeviceType: "ebs",
    architecture: "x86_64",
  }),
  // Every subnet in one zone unless a test answers otherwise (the fleet checks the zones).
  "aws:ec2/getSubnet:getSubnet": (inputs) => ({
    id: inputs.id,
    availabilityZone: `${MOCK_REGION}a`,
    vpcId: "vpc-0123456789abcdef0",
    cidrBlock: "10.0.0.0/24",
  }),
  // A VPC with DNS support and hostnames on (what interface endpoints with private DNS need).
  "aws:ec2/getVpc:getVpc": (inputs) => ({
    id: inputs.id,
    cidrBlock: "10.0.0.0/16",
    cidrBlockAssociations: [
      { associationId: "vpc-cidr-assoc-0", cidrBlock: "10.0.0.0/16", state: "associated" },
    ],
    ipv6CidrBlock: "",
    enableDnsSupport: true,
    enableDnsHostnames: true,
  }),
  // The account's default EBS key: the AWS managed aws/ebs key.
  "aws:ebs/getDefaultKmsKey:getDefaultKmsKey": () => ({
    id: MOCK_REGION,
    keyArn: `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:alias/aws/ebs`,
  }),
  // aws/ebs is AWS managed; any other key the stack names is a customer managed key.
  "aws:kms/getKey:getKey": (inputs) => {
    const aliasArn = /:alias\//.test(String(inputs.keyId));
    const awsManaged = String(inputs.keyId).endsWith("alias/aws/ebs");
    const keyArn = aliasArn
      ? `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/${sha256(String(inputs.keyId)).slice(0, 8)}-0000-4000-8000-000000000000`
      : String(inputs.keyId);
    return {
      id: keyArn,
      arn: keyArn,
      keyId: keyArn.split("/").pop(),
      keyManager: awsManaged ? "AWS" : "CUSTOMER",
      keyState: "Enabled",
    };
  },
  // Auto Scaling's service-linked role exists (created with the account's first group).
  "aws:iam/getRoles:getRoles": () => ({
    id: MOCK_REGION,
    arns: [
      `arn:aws:iam::${MOCK_ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    ],
    names: ["AWSServiceRoleForAutoScaling"],
  }),
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs) => ({
    authorizationToken: Buffer.from("AWS:mock-ecr-password").toString("base64"),
    expiresAt: "2099-01-01T00:00:00Z",
    id: MOCK_REGION,
    password: "mock-ecr-password",
    proxyEndpoint: `https://${inputs.registryId ?? MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com`,
    region: MOCK_REGION,
    userName: "AWS",
  }),
};

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/**
 * Outputs a real provider computes, derived deterministically from the inputs (so an input change
 * shows up as an output change, as it would for real).
 */
function computedOutputs(
  type: string,
  name: string,
  inputs: Record<string, any>,
): Record<string, unknown> {
  const arn = (service: string, kind: string): string =>
    `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT}:${kind}/${name}`;
  switch (type) {
    case "aws:ecr/repository:Repository":
      return {
        arn: arn("ecr", "repository"),
        registryId: MOCK_ACCOUNT,
        repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${inputs.name ?? name}`,
      };
    case "pulumi-nodejs:dynamic/phoenix:RegistryImage": {
      // What the registry would answer: a digest derived from the content-addressed tag.
      const digest = `sha256:${sha256(`${inputs.repository}:${inputs.tag}`)}`;
      return {
        digest,
        imageRef: `${inputs.repository}@${digest}`,
        built: inputs.source === "build",
      };
    }
    case "docker:index/image:Image": {
      const repo = String(inputs.imageName).replace(/:[^:/]+$/, "");
      return { repoDigest: `${repo}@sha256:${sha256(JSON.stringify(inputs))}` };
    }
    case "aws:ec2/launchTemplate:LaunchTemplate":
      // Not 1: a launch template pinned to version "1" must not pass for "the latest version".
      return { arn: arn("ec2", "launch-template"), latestVersion: 7, defaultVersion: 7 };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        arn: arn("elasticloadbalancing", "loadbalancer/app"),
        dnsName: `${name}.${MOCK_REGION}.elb.amazonaws.com`,
        zoneId: "Z32O12XQLNTSW2",
      };
    case "aws:lb/targetGroup:TargetGroup":
      return { arn: arn("elasticloadbalancing", "targetgroup"), arnSuffix: `targetgroup/${name}` };
    case "aws:lb/listener:Listener":
      return { arn: arn("elasticloadbalancing", "listener/app") };
    case "aws:lb/listenerRule:ListenerRule":
      return { arn: arn("elasticloadbalancing", "listener-rule/app") };
    case "aws:iam/role:Role":
    case "aws:iam/instanceProfile:InstanceProfile":
      return {
        arn: `arn:aws:iam::${MOCK_ACCOUNT}:${type.endsWith("Role") ? "role" : "instance-profile"}/${inputs.name ?? name}`,
        name: inputs.name ?? name,
      };
    case "aws:ssm/parameter:Parameter":
      return {
        arn: `arn:aws:ssm:${MOCK_REGION}:${MOCK_ACCOUNT}:parameter${inputs.name}`,
        // SSM bumps the version on every new value; derived from the value here, never equal to it.
        version: 1 + (parseInt(sha256(JSON.stringify(inputs.value)).slice(0, 6), 16) % 1000),
      };
    case "pulumi-nodejs:dynamic/phoenix:LocalNetwork":
      return { networkId: sha256(`network:${inputs.name}`) };
    case "pulumi-nodejs:dynamic/phoenix:LocalImage":
      // A freshly built image: its id derived from the content-addressed tag.
      return {
        imageId: `sha256:${sha256(`${inputs.name}:${inputs.tag}`)}`,
        ref: `${inputs.name}:${inputs.tag}`,
        baseId: `sha256:${sha256(String(inputs.base))}`,
        reused: false,
      };
    case "pulumi-nodejs:dynamic/phoenix:LocalFrontDoor":
      return {
        containerId: sha256(`container:${inputs.name}`),
        url: `http://127.0.0.1:${inputs.hostPort}`,
        running: true,
      };
    case "pulumi-nodejs:dynamic/phoenix:LocalFleet": {
      const ids = Array.from({ length: Number(inputs.desiredCount) }, (_, i) =>
        sha256(`${inputs.fleet}:${inputs.imageId}:${i}`),
      );
      return { instanceIds: ids, drifted: [] };
    }
    case "pulumi-nodejs:dynamic/phoenix:ReleaseGate":
      // What a gate that passed records: the candidate now serves.
      return { servingRelease: inputs.release, servingTargetGroupArn: inputs.targetGroupArn };
    case "aws:autoscaling/group:Group":
      return {
        arn: arn("autoscaling", "autoScalingGroup"),
        name: `${inputs.namePrefix ?? ""}20990101000000000000000001`,
      };
    default:
      return {};
  }
}

function propertyDependenciesOf(req: any): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  req.getPropertydependenciesMap?.().forEach((deps: any, key: string) => {
    out[key] = deps.getUrnsList();
  });
  return out;
}

function recordOptions(req: any): RecordedOptions {
  const trigger = req.getReplacementTrigger?.();
  return {
    parent: req.getParent(),
    replaceOnChanges: req.getReplaceonchangesList(),
    deleteBeforeReplace: req.getDeletebeforereplace(),
    deleteBeforeReplaceDefined: req.getDeletebeforereplacedefined(),
    ignoreChanges: req.getIgnorechangesList(),
    retainOnDelete: req.hasRetainondelete?.() ? req.getRetainondelete() : undefined,
    protect: req.hasProtect?.() ? req.getProtect() : undefined,
    dependencies: req.getDependenciesList(),
    propertyDependencies: propertyDependenciesOf(req),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    replacementTrigger: trigger ? trigger.toJavaScript() : undefined,
  };
}

/**
 * Install the mocks for this test file's Pulumi runtime.
 * @param opts.calls extra or overriding provider function answers, by token.
 */
export async function setupMocks(
  opts: { project?: string; stack?: string; calls?: Record<string, CallHandler> } = {},
): Promise<MockRecorder> {
  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  const handlers = { ...DEFAULT_CALLS, ...opts.calls };
  const pendingOptions = new Map<string, RecordedOptions>();

  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): {
        id: string;
        state: Record<string, any>;
      } {
        const key = `${args.type}::${args.name}`;
        const options = pendingOptions.get(key);
        if (!options) throw new Error(`mocks: no options recorded for ${key}`);
        pendingOptions.delete(key);
        resources.push({
          type: args.type,
          name: args.name,
          custom: args.custom ?? false,
          inputs: args.inputs,
          options,
        });
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, ...computedOutputs(args.type, args.name, args.inputs) },
        };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        calls.push({ token: args.token, inputs: args.inputs });
        const handler = handlers[args.token];
        if (!handler) {
          const message = `mocks: unmocked provider function ${args.token}(${JSON.stringify(args.inputs)}); add it to test/mocks.ts`;
          // The SDK rethrows an invoke failure as `new Error(err.details)`, as for a gRPC error.
          throw Object.assign(new Error(message), { details: message });
        }
        return handler(args.inputs);
      },
    },
    opts.project ?? "phoenix",
    opts.stack ?? "test",
    false,
  );

  // The mocks API hides resource options; wrap the mock monitor so they are recorded too.
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  const urns: string[] = [];
  monitor.registerResource = (req: any, callback: (err: unknown, res: any) => void) => {
    pendingOptions.set(`${req.getType()}::${req.getName()}`, recordOptions(req));
    return register(req, (err: unknown, res: any) => {
      if (!err && res) urns.push(res.getUrn());
      callback(err, res);
    });
  };
  const outputsByUrn = new Map<string, Record<string, any>>();
  const waiting = new Map<string, ((outputs: Record<string, any>) => void)[]>();
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req: any, callback: (err: unknown, res: unknown) => void) => {
    const outputs = req.getOutputs()?.toJavaScript() ?? {};
    outputsByUrn.set(req.getUrn(), outputs);
    for (const resolve of waiting.get(req.getUrn()) ?? []) resolve(outputs);
    waiting.delete(req.getUrn());
    return registerOutputs(req, callback);
  };

  return {
    resources,
    calls,
    urns,
    registeredOutputs(urn) {
      const known = outputsByUrn.get(urn);
      if (known) return Promise.resolve(known);
      return new Promise((resolve) => waiting.set(urn, [...(waiting.get(urn) ?? []), resolve]));
    },
    ofType: (type) => resources.filter((r) => r.type === type),
    get(type, name) {
      const found = resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) {
        const names = resources.map((r) => `${r.type} ${r.name}`).join("\n  ");
        throw new Error(
          `expected one ${type} named ${name}, found ${found.length}; recorded:\n  ${names}`,
        );
      }
      return found[0];
    },
  };
}

/**
 * Resolve an Output in a mock run (mocks are not a preview, so every value is known). Uses the SDK's
 * own `promise()` accessor because, unlike `apply`, it rejects when the value failed.
 */
export function outputOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

/** True when a recorded input value was sent to the engine as a secret. */
export function isSecret(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] ===
      pulumi.runtime.specialSecretSig
  );
}

/** The plain value inside a recorded secret (or the value itself when it is not one). */
export function unsecret(value: unknown): any {
  return isSecret(value) ? (value as { value: unknown }).value : value;
}

import type {
  Policies,
  PolicyResource,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  decodeUserData,
  ecrViolations,
  imageRefViolations,
  ingressViolations,
  launchTemplateViolations,
  secretPatternViolations,
  secretValueViolations,
  specHashTagViolations,
  TYPES,
  userDataImageViolations,
  type KnownSecret,
} from "../lib/guardrails/policyRules";
import { awsProductionPolicies } from "./awsProductionPolicies";
import { forTypes } from "./forTypes";

/**
 * The Phoenix guardrails. Every policy is mandatory: a violation fails `pulumi preview`/`up` with
 * the rule's message, naming the resource, the property and the fix.
 */

const noSshIngress: ResourceValidationPolicy = {
  name: "phoenix-no-ssh-ingress",
  description: "No ingress on port 22, and no ingress on every port from anywhere.",
  enforcementLevel: "mandatory",
  validateResource: forTypes(
    [TYPES.securityGroup, TYPES.securityGroupRule, TYPES.ingressRule],
    ingressViolations,
  ),
};

const launchTemplateHardening: ResourceValidationPolicy = {
  name: "phoenix-launch-template-hardening",
  description: "Launch templates carry no key pair and require IMDSv2.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([TYPES.launchTemplate], (_t, props) =>
    launchTemplateViolations(props),
  ),
};

const noSecretsInBootOrBuild: ResourceValidationPolicy = {
  name: "phoenix-no-secrets-in-user-data",
  description: "Launch template user data and rendered Dockerfiles contain nothing secret-looking.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([TYPES.launchTemplate, TYPES.localImage], (type, props) =>
    type === TYPES.launchTemplate
      ? secretPatternViolations("userData", decodeUserData(props.userData))
      : // A missing Dockerfile reads as "undefined", which holds no secret either.
        secretPatternViolations("dockerfile", String(props.dockerfile)),
  ),
};

const ecrImmutable: ResourceValidationPolicy = {
  name: "phoenix-ecr-immutable-tags",
  description: "ECR repositories have IMMUTABLE tags.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([TYPES.ecrRepository], (_t, props) => ecrViolations(props)),
};

const IMAGE_PROPS = ["image", "imageId", "imageRef"];

const imagesPinned: ResourceValidationPolicy = {
  name: "phoenix-images-by-digest",
  description: "Fleets run images by digest or spec-hash tag, never latest.",
  enforcementLevel: "mandatory",
  validateResource: forTypes(
    [TYPES.launchTemplate, TYPES.dockerContainer, TYPES.localFleet, TYPES.localFrontDoor],
    (type, props) =>
      type === TYPES.launchTemplate
        ? userDataImageViolations(decodeUserData(props.userData))
        : IMAGE_PROPS.filter((k) => typeof props[k] === "string").flatMap((k) =>
            imageRefViolations(k, props[k] as string),
          ),
  ),
};

const specHashTagged: ResourceValidationPolicy = {
  name: "phoenix-spec-hash-tag",
  description: "Every fleet resource carries the phoenix:spec-hash tag.",
  enforcementLevel: "mandatory",
  validateResource: forTypes(
    [TYPES.launchTemplate, TYPES.autoscalingGroup, TYPES.localFleet, TYPES.dockerContainer],
    specHashTagViolations,
  ),
};

function stringLeaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  // Arrays and objects alike: their values. Nothing else holds text.
  // Stryker disable next-line ArrayDeclaration: a leaf made up for a number or boolean matches no secret and holds none
  return value === null || typeof value !== "object"
    ? []
    : Object.values(value).flatMap(stringLeaves);
}

/**
 * Secret values the policy can see: SSM SecureString parameter values (the aws target's runtime
 * secrets) and every property a resource marks as a secret output (additionalSecretOutputs).
 */
export function knownSecrets(resources: readonly PolicyResource[]): KnownSecret[] {
  // One entry per value (the most specific source wins), so a leak is reported once.
  const byValue = new Map<string, KnownSecret>();
  const add = (source: string, value: string) => {
    if (!byValue.has(value)) byValue.set(value, { source, value });
  };
  for (const r of resources) {
    if (r.type === TYPES.ssmParameter && r.props.type === "SecureString") {
      const source = `SSM parameter ${String(r.props.name ?? r.name)}`;
      for (const value of stringLeaves(r.props.value)) add(source, value);
    }
  }
  for (const r of resources) {
    // Stryker disable next-line ArrayDeclaration: a made-up key names no property, so it reads no value
    for (const key of r.opts?.additionalSecretOutputs ?? []) {
      for (const value of stringLeaves(r.props[key])) add(`${r.name}.${key}`, value);
    }
  }
  return [...byValue.values()];
}

/** Where a secret value must never appear in plain text, per resource type. */
function plaintextPlaces(r: PolicyResource): [string, string][] {
  const p = r.props;
  const text = (v: unknown): string => stringLeaves(v).join("\n");
  switch (r.type) {
    case TYPES.launchTemplate:
      return [
        ["userData", decodeUserData(p.userData)],
        ["tags", text(p.tags)],
      ];
    case TYPES.autoscalingGroup:
      return [["tags", text([p.tags, p.tag])]];
    case TYPES.localImage:
      return [
        ["dockerfile", text(p.dockerfile)],
        ["tag", text(p.tag)],
      ];
    case TYPES.dockerContainer:
    case TYPES.localFleet:
      return [["labels", text(p.labels)]];
    default:
      // Stryker disable next-line ArrayDeclaration: a made-up entry reads as one-letter texts, too short to hold a secret
      return [];
  }
}

const noStackSecretInPlaintext: StackValidationPolicy = {
  name: "phoenix-no-secret-values-in-plaintext",
  description: "No stack secret value appears in user data, Dockerfiles, tags or labels.",
  enforcementLevel: "mandatory",
  validateStack: (args, report: ReportViolation) => {
    const secrets = knownSecrets(args.resources);
    for (const r of args.resources) {
      for (const [where, text] of plaintextPlaces(r)) {
        for (const message of secretValueViolations(where, text, secrets)) report(message, r.urn);
      }
    }
  },
};

/** Every Phoenix policy, in the order they are reported. */
export const policies: Policies = [
  noSshIngress,
  launchTemplateHardening,
  noSecretsInBootOrBuild,
  noStackSecretInPlaintext,
  ecrImmutable,
  imagesPinned,
  specHashTagged,
  ...awsProductionPolicies,
];

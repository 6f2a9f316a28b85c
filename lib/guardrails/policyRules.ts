/**
 * The guardrails of the immutable pattern as pure predicates over resource properties, the way the
 * policy pack (policy/) sees them: plain JSON, secrets already unwrapped, unknown values undefined.
 * Every predicate returns one message per violation (empty = compliant); each message names the
 * property, shows the offending value (never a secret) and says the fix.
 */
import { DIGEST_RE, DYNAMIC_TYPES, LABELS, TAGS } from "../core/identifiers";

/** Resource type tokens the guardrails look at. */
export const TYPES = {
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  autoscalingGroup: "aws:autoscaling/group:Group",
  ecrRepository: "aws:ecr/repository:Repository",
  ssmParameter: "aws:ssm/parameter:Parameter",
  dockerContainer: "docker:index/container:Container",
  localFleet: DYNAMIC_TYPES.localFleet,
  localImage: DYNAMIC_TYPES.localImage,
  localFrontDoor: DYNAMIC_TYPES.localFrontDoor,
} as const;

/** Tag every fleet resource carries: the spec hash its image was built from. */
export const SPEC_HASH_TAG = TAGS.specHash;
/** The same, as a Docker label on local containers. */
export const SPEC_HASH_LABEL = LABELS.specHash;

type Props = Record<string, unknown>;
const show = (v: unknown): string => JSON.stringify(v) ?? "undefined";
const isRecord = (v: unknown): v is Props =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const ANYWHERE = new Set(["0.0.0.0/0", "::/0"]);
/** The sources that mean "anywhere", from CIDR lists and single CIDRs (anything else is not a source). */
const anywhereIn = (...sources: unknown[]): string[] =>
  sources.flat().filter((s): s is string => ANYWHERE.has(s as string));
const ALL_PROTOCOLS = new Set(["-1", "all"]);
const SSH_PROTOCOLS = new Set(["tcp", "6", "-1", "all"]);

/** One ingress permission, normalized from the three AWS shapes that can open a port. */
interface Ingress {
  where: string;
  protocol: string;
  from: number;
  to: number;
  /** Its sources that mean anywhere (0.0.0.0/0, ::/0). */
  anywhere: string[];
}

function ingressesOf(type: string, props: Props): Ingress[] {
  const num = (v: unknown, d: number): number => (typeof v === "number" ? v : d);
  if (type === TYPES.securityGroup) {
    // Stryker disable next-line ArrayDeclaration: an element that is not a record is dropped by the filter below
    const rules = Array.isArray(props.ingress) ? props.ingress : [];
    return rules.filter(isRecord).map((r, i) => ({
      where: `ingress[${i}]`,
      protocol: String(r.protocol).toLowerCase(),
      from: num(r.fromPort, 0),
      to: num(r.toPort, 65535),
      anywhere: anywhereIn(r.cidrBlocks, r.ipv6CidrBlocks),
    }));
  }
  if (type === TYPES.securityGroupRule && props.type === "ingress") {
    return [
      {
        where: "",
        protocol: String(props.protocol).toLowerCase(),
        from: num(props.fromPort, 0),
        to: num(props.toPort, 65535),
        anywhere: anywhereIn(props.cidrBlocks, props.ipv6CidrBlocks),
      },
    ];
  }
  if (type === TYPES.ingressRule) {
    return [
      {
        where: "",
        protocol: String(props.ipProtocol).toLowerCase(),
        from: num(props.fromPort, 0),
        to: num(props.toPort, 65535),
        anywhere: anywhereIn(props.cidrIpv4, props.cidrIpv6),
      },
    ];
  }
  // Stryker disable next-line ArrayDeclaration: a value that is not an Ingress has no protocol or ports, so it opens nothing
  return [];
}

/**
 * Forbids ingress that opens SSH (a TCP range containing 22, from any source: nobody logs in to an
 * immutable server) and ingress that opens every port (protocol -1 or 0-65535) from anywhere.
 */
export function ingressViolations(type: string, props: Props): string[] {
  const out: string[] = [];
  for (const r of ingressesOf(type, props)) {
    const at = r.where ? `${r.where}: ` : "";
    const range = ALL_PROTOCOLS.has(r.protocol) ? "all ports" : `ports ${r.from}-${r.to}`;
    const allPorts = ALL_PROTOCOLS.has(r.protocol) || (r.from <= 0 && r.to >= 65535);
    if (SSH_PROTOCOLS.has(r.protocol) && r.from <= 22 && r.to >= 22) {
      out.push(
        `${at}ingress opens SSH (protocol ${show(r.protocol)}, ${range}): no-SSH is the rule; ` +
          "replace the fleet instead of logging in, and open only the app port to the load balancer",
      );
    } else if (allPorts && r.anywhere.length > 0) {
      out.push(
        `${at}ingress opens ${range} to ${r.anywhere.join(", ")}: ` +
          "open only the app port, from the load balancer's security group",
      );
    }
  }
  return out;
}

/** Forbids a key pair and requires IMDSv2 (`metadataOptions.httpTokens = "required"`). */
export function launchTemplateViolations(props: Props): string[] {
  const out: string[] = [];
  if (typeof props.keyName === "string" && props.keyName !== "") {
    out.push(
      `keyName: launch templates must not carry a key pair, got ${show(props.keyName)}: remove keyName`,
    );
  }
  const tokens = isRecord(props.metadataOptions) ? props.metadataOptions.httpTokens : undefined;
  if (tokens !== "required") {
    out.push(
      `metadataOptions.httpTokens: must be "required" (IMDSv2 only), got ${show(tokens)}: ` +
        'set metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 }',
    );
  }
  return out;
}

/** Decodes launch template user data (base64 as the AWS provider takes it; plain text passes through). */
export function decodeUserData(userData: unknown): string {
  if (typeof userData !== "string") return "";
  // Stryker disable next-line Regex: removing each white-space character or each run of them is the same
  const compact = userData.replace(/\s+/g, "");
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(compact) && compact.length % 4 === 0) {
    return Buffer.from(compact, "base64").toString("utf8");
  }
  return userData;
}

const SECRET_PATTERNS: [string, RegExp][] = [
  ["an AWS access key id", /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/],
  ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["a GitHub token", /\bgh[pousr]_[A-Za-z0-9]{36,}\b/],
  ["a Slack token", /\bxox[abprs]-[A-Za-z0-9-]{10,}/],
  [
    "a literal value assigned to a secret-looking name",
    /\b[A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|ACCESS_KEY)[A-Za-z0-9_]*=["']?(?=[^\s"'$])/i,
  ],
];

/** Secret-looking content in a text (user data, a Dockerfile); the secret itself is never echoed. */
export function secretPatternViolations(where: string, text: string): string[] {
  return SECRET_PATTERNS.filter(([, re]) => re.test(text)).map(
    ([what]) =>
      `${where}: contains ${what}: secrets never go into ${where}; name them in the spec's secrets: ` +
      "and set them with `pulumi config set --secret` (read from SSM at boot)",
  );
}

/** A secret value the stack holds, with where it came from (the value is never printed). */
export interface KnownSecret {
  readonly source: string;
  readonly value: string;
}

/** Values shorter than this match by accident (e.g. "1", "true"), so they are not searched for. */
export const MIN_SECRET_LENGTH = 6;

/** Reports every known secret whose value occurs in `text`. */
export function secretValueViolations(
  where: string,
  text: string,
  secrets: readonly KnownSecret[],
): string[] {
  return secrets
    .filter((s) => s.value.length >= MIN_SECRET_LENGTH && text.includes(s.value))
    .map(
      (s) =>
        `${where}: contains the value of ${s.source} in plain text: pass the secret at run time ` +
        "(SSM at boot on aws, container env on local), never in user data, images or labels",
    );
}

/** Parts of an image reference `name[:tag][@sha256:digest]`. */
export interface ImageRef {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits an image reference; a bare `sha256:<hex>` (a local image id) has only a digest. */
export function parseImageRef(ref: string): ImageRef {
  if (DIGEST_RE.test(ref)) return { name: "", digest: ref };
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(":");
  const hasTag = colon > rest.lastIndexOf("/");
  return hasTag
    ? { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest }
    : { name: rest, digest };
}

/** `<version>-<hash12>`, the tag lib/image/hash.ts imageTag gives every image. */
export const SPEC_HASH_TAG_RE = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?-[0-9a-f]{12}$/;

/** Requires an image reference by digest or by spec-hash tag; never `latest`, never untagged. */
export function imageRefViolations(where: string, ref: string): string[] {
  const { tag, digest } = parseImageRef(ref);
  // No digest is String(undefined), "undefined", which is no digest either.
  if (DIGEST_RE.test(String(digest))) return [];
  const refused = (why: string) => [
    `${where}: image ${show(ref)} ${why}: reference images by digest (<repo>@sha256:...) ` +
      "or by spec-hash tag (<version>-<hash12>), never latest",
  ];
  if (tag === undefined) return refused("has no tag (means latest)");
  return SPEC_HASH_TAG_RE.test(tag) ? [] : refused(`has tag ${show(tag)}`);
}

const BOOL_FLAGS = new Set(["-d", "--detach", "--rm", "-i", "-t", "-it", "--interactive", "--tty"]);
const BOOL_FLAGS_MORE = ["--read-only", "--init", "--privileged", "-P", "--publish-all", "-q"];
BOOL_FLAGS_MORE.forEach((f) => BOOL_FLAGS.add(f));
const DOCKER_IMAGE_COMMANDS = new Set(["pull", "run", "create"]);
const REGISTRY_REF =
  /^(?:localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::\d+)?\/[a-z0-9._/-]+(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$/;

/**
 * Image references a boot script runs: registry-qualified references anywhere, the argument of
 * `docker pull`, and the image argument of `docker run|create` (variables resolved from plain
 * `NAME=value` assignments in the script). An unresolvable variable is returned as written.
 */
export function userDataImageRefs(script: string): string[] {
  const text = script.replace(/\\\r?\n/g, " ");
  const vars = new Map<string, string>();
  for (const m of text.matchAll(
    /^\s*(?:export\s+)?([A-Za-z_]\w*)=(?:'([^']*)'|"([^"$]*)"|([^\s'"$]+))\s*$/gm,
  )) {
    // One of the three value forms always matched.
    vars.set(m[1], (m[2] ?? m[3] ?? m[4]) as string);
  }
  const resolve = (t: string): string => {
    const m = /^\$\{?([A-Za-z_]\w*)\}?$/.exec(t);
    return m && vars.has(m[1]) ? (vars.get(m[1]) as string) : t;
  };
  const refs = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    // Words, quoted ones without their quotes.
    const tokens = [...line.matchAll(/'([^']*)'|"([^"]*)"|([^\s'"]+)/g)].map(
      (m) => (m[1] ?? m[2] ?? m[3]) as string,
    );
    for (const t of tokens) {
      const v = t.replace(/^[A-Za-z_]\w*=/, "");
      if (REGISTRY_REF.test(v)) refs.add(v);
    }
    for (const [i, t] of tokens.entries()) {
      if (t !== "docker" || !DOCKER_IMAGE_COMMANDS.has(tokens[i + 1])) continue;
      let j = i + 2;
      while (j < tokens.length && tokens[j].startsWith("-")) {
        j += tokens[j].includes("=") || BOOL_FLAGS.has(tokens[j]) ? 1 : 2;
      }
      if (j < tokens.length) refs.add(resolve(tokens[j]));
    }
  }
  return [...refs].sort();
}

/** Checks every image a launch template's boot script runs; a script that runs none is fine. */
export function userDataImageViolations(script: string): string[] {
  return userDataImageRefs(script).flatMap((ref) =>
    ref.startsWith("$")
      ? [`userData: cannot tell which image ${show(ref)} is: assign it a literal image reference`]
      : imageRefViolations("userData", ref),
  );
}

/** Requires IMMUTABLE tags on an ECR repository. */
export function ecrViolations(props: Props): string[] {
  if (props.imageTagMutability === "IMMUTABLE") return [];
  return [
    `imageTagMutability: must be "IMMUTABLE", got ${show(props.imageTagMutability ?? "MUTABLE (default)")}: ` +
      'set imageTagMutability: "IMMUTABLE" so a tag always names the same image',
  ];
}

const HASH_RE = /^[0-9a-f]{12,64}$/;

function tagValue(type: string, props: Props): unknown {
  if (type === TYPES.autoscalingGroup) {
    const list = [props.tags, props.tag].flat().filter(isRecord);
    return list.find((t) => t.key === SPEC_HASH_TAG)?.value;
  }
  if (type === TYPES.dockerContainer) {
    const labels = [props.labels].flat().filter(isRecord);
    return labels.find((l) => l.label === SPEC_HASH_LABEL)?.value;
  }
  if (type === TYPES.localFleet) return props.specHash;
  return isRecord(props.tags) ? props.tags[SPEC_HASH_TAG] : undefined;
}

/** Fleet resources: the launch template, the group, local fleets and containers. */
export const FLEET_TYPES: readonly string[] = [
  TYPES.launchTemplate,
  TYPES.autoscalingGroup,
  TYPES.localFleet,
  TYPES.dockerContainer,
];

/** Requires the spec-hash tag (label / input on local resources) on every fleet resource. */
export function specHashTagViolations(type: string, props: Props): string[] {
  if (!FLEET_TYPES.includes(type)) return [];
  const value = tagValue(type, props);
  if (typeof value === "string" && HASH_RE.test(value)) return [];
  const field =
    type === TYPES.localFleet
      ? "specHash"
      : type === TYPES.dockerContainer
        ? `labels.${SPEC_HASH_LABEL}`
        : `tags.${SPEC_HASH_TAG}`;
  return [
    `${field}: every fleet resource carries the spec hash (12-64 lowercase hex) of its image, got ${show(value)}: ` +
      "tag it with the specHash output of the image",
  ];
}

/**
 * The aws target's production guarantees as pure predicates over resource properties, the way the
 * policy pack sees them (plain JSON, secrets unwrapped, unknown values undefined). Each returns one
 * message per violation, naming the property, showing the value and saying the fix.
 */
import { TAGS } from "../core/identifiers";

type Props = Record<string, unknown>;
const show = (v: unknown): string => JSON.stringify(v) ?? "undefined";
const isRecord = (v: unknown): v is Props =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const records = (v: unknown): Props[] => (Array.isArray(v) ? v.filter(isRecord) : []);
/** The AWS provider takes these flags as "true"/"false" text; accept real booleans too. */
const flag = (v: unknown): boolean | undefined =>
  v === true || v === "true" ? true : v === false || v === "false" ? false : undefined;

/** Value of the launch template tag that lets containers reach IMDS (hop limit 2). */
export const CONTAINER_IMDS_ALLOWED = "allowed";

/**
 * Launch templates give instances no public IP: an explicit network interface with
 * `associatePublicIpAddress: "false"` (otherwise the subnet's auto-assign setting decides).
 */
export function publicIpViolations(props: Props): string[] {
  const nics = records(props.networkInterfaces);
  const fix =
    'set networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false", securityGroups: [...] }] ' +
    "and put the instances in private subnets (phoenix:instanceSubnetIds)";
  if (nics.length === 0) {
    return [
      `networkInterfaces: none, so the subnet decides whether instances get a public IP: ${fix}`,
    ];
  }
  return nics.flatMap((nic, i) =>
    flag(nic.associatePublicIpAddress) === false
      ? []
      : [
          `networkInterfaces[${i}].associatePublicIpAddress: fleet instances never get a public IP, ` +
            `got ${show(nic.associatePublicIpAddress)}: ${fix}`,
        ],
  );
}

/** Launch templates map at least the root volume, and every EBS volume is encrypted. */
export function ebsEncryptionViolations(props: Props): string[] {
  const mappings = records(props.blockDeviceMappings);
  const fix =
    'set blockDeviceMappings: [{ deviceName: <the AMI\'s root device>, ebs: { encrypted: "true" } }] ' +
    "(the default EBS key, or phoenix:kmsKeyId)";
  if (mappings.length === 0) {
    return [
      `blockDeviceMappings: none, so the root volume is encrypted only if the AMI's is: ${fix}`,
    ];
  }
  return mappings.flatMap((m, i) => {
    if (!isRecord(m.ebs)) return []; // instance-store or suppressed devices hold no EBS volume
    return flag(m.ebs.encrypted) === true
      ? []
      : [
          `blockDeviceMappings[${i}].ebs.encrypted: must be "true", got ${show(m.ebs.encrypted)}: ${fix}`,
        ];
  });
}

/**
 * IMDS hop limit 1, so containers cannot reach the instance role; 2 only on a launch template
 * tagged `phoenix:container-imds: allowed` (a spec with `runtime.containerInstanceMetadata: true`).
 */
export function imdsHopLimitViolations(props: Props): string[] {
  const meta = isRecord(props.metadataOptions) ? props.metadataOptions : {};
  const limit = meta.httpPutResponseHopLimit;
  const tags = isRecord(props.tags) ? props.tags : {};
  const allowed = tags[TAGS.containerImds] === CONTAINER_IMDS_ALLOWED;
  if (limit === 1 || (allowed && limit === 2)) return [];
  const max = allowed ? 2 : 1;
  return [
    `metadataOptions.httpPutResponseHopLimit: must be ${allowed ? "1 or 2" : "1"}, got ${show(limit)}: ` +
      `set it to ${max === 2 ? "2 (containers opted in)" : "1 so containers cannot reach the instance role"}` +
      (allowed
        ? ""
        : "; a spec that needs IMDS in its containers sets runtime.containerInstanceMetadata: true"),
  ];
}

/** TLS policies with TLS 1.3 and 1.2 only (or 1.3 only). */
export const CURRENT_TLS_POLICY_RE = /^ELBSecurityPolicy-TLS13-1-[23]-/;

/** A load balancer and its listeners, as the stack policy groups them. */
export interface FrontDoorView {
  /** The load balancer's tags; `phoenix:tls` says whether a certificate is configured. */
  readonly tags: unknown;
  readonly listeners: readonly Props[];
}

/**
 * With a certificate configured (`phoenix:tls: https` on the load balancer): an HTTPS listener with
 * the certificate and a current TLS policy, and every HTTP listener redirecting to https. Any HTTPS
 * listener, with or without the tag, uses a current TLS policy.
 */
export function frontDoorTlsViolations(door: FrontDoorView): string[] {
  const out: string[] = [];
  const https = door.listeners.filter((l) => l.protocol === "HTTPS");
  for (const l of https) {
    if (typeof l.sslPolicy === "string" && CURRENT_TLS_POLICY_RE.test(l.sslPolicy)) continue;
    out.push(
      `listener port ${show(l.port)}: sslPolicy must allow TLS 1.3/1.2 only, got ${show(l.sslPolicy)}: ` +
        "set sslPolicy: ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    );
  }
  const tags = isRecord(door.tags) ? door.tags : {};
  if (tags[TAGS.tls] !== "https") return out;
  if (
    !https.some(
      (l) => l.port === 443 && typeof l.certificateArn === "string" && l.certificateArn !== "",
    )
  ) {
    out.push(
      "listeners: a certificate is configured (phoenix:tls https) but no HTTPS listener on 443 " +
        "carries it: add one with certificateArn (phoenix:certificateArn)",
    );
  }
  for (const l of door.listeners.filter((x) => x.protocol === "HTTP")) {
    const actions = records(l.defaultActions);
    const redirects =
      actions.length > 0 &&
      actions.every(
        (a) => a.type === "redirect" && isRecord(a.redirect) && a.redirect.protocol === "HTTPS",
      );
    if (!redirects) {
      out.push(
        `listener port ${show(l.port)}: plain HTTP must answer 301 to https when a certificate is ` +
          `configured, got actions ${show(actions.map((a) => a.type))}: set defaultActions: ` +
          '[{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]',
      );
    }
  }
  return out;
}

/**
 * A stand-in for the few Elastic Load Balancing answers moto does not model: the target states of a
 * target group no load balancer uses, and draining. It sits in front of a moto server as the AWS
 * endpoint, passes every request through, and answers DescribeTargetHealth itself, in AWS's
 * documented states:
 *
 * - a target group that no listener rule or default action names is not used by any load balancer:
 *   every target is `unused` with reason `Target.NotInUse` ("Target.NotInUse - The target group is
 *   not used by any load balancer or the target is in an Availability Zone that is not enabled for
 *   its load balancer.",
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html);
 * - a target deregistered (an Auto Scaling group detached from its target group) while the target
 *   group is in use is `draining` (`Target.DeregistrationInProgress`) for the target group's
 *   deregistration delay, then no longer listed ("The initial state of a deregistering target is
 *   draining. After the deregistration delay elapses, the deregistration process completes and the
 *   state of the target is unused.",
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay).
 *
 * - an instance tagged {@link UNHEALTHY_TAG} (a release whose app never answers its health check, so
 *   every instance its group launches fails) is `unhealthy` with `Target.FailedHealthChecks`: moto
 *   reports every running instance healthy and runs no health check.
 *
 * - a group deleted with ForceDelete stays listed by name, "Delete in progress", for
 *   {@link TERMINATION_MS} while its instances terminate ("ForceDelete ... without waiting for all
 *   instances to be terminated",
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DeleteAutoScalingGroup.html;
 *   `Status`: "The current state of the group when the DeleteAutoScalingGroup operation is in
 *   progress.", https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AutoScalingGroup.html);
 *   moto removes it at once.
 *
 * It also records what AWS documents no protection for, so a test can assert it never happens: an
 * instance terminated (its group deleted) while it was still registered in a target group in use,
 * while it was draining, or after its target group left every rule while it was registered (the
 * deregistration delay, which lets in-flight requests complete, never applied to it).
 */
import { type IncomingMessage, type Server, createServer } from "node:http";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type Action,
} from "@aws-sdk/client-elastic-load-balancing-v2";

/** Instance tag (value "true") of a release whose health check never passes. */
export const UNHEALTHY_TAG = "standin:unhealthy";

/** How long a deleted group stays listed while its instances terminate. */
export const TERMINATION_MS = 1500;

/** A running stand-in: its endpoint and what it saw. */
export interface TargetHealthStandIn {
  readonly endpoint: string;
  /** Instances terminated while the load balancer could still have requests in flight to them. */
  readonly violations: string[];
  /** How many DescribeTargetHealth answers listed a `draining` target. */
  readonly drainingAnswers: () => number;
  /** When the last deleted group stopped being listed (ms), 0 if none was deleted. */
  readonly lastGroupGoneAt: () => number;
  stop(): Promise<void>;
}

interface Drain {
  readonly targetGroupArn: string;
  readonly id: string;
  readonly port: number;
  readonly until: number;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The signing service of a request (`elasticloadbalancing`, `autoscaling`, ...). */
function serviceOf(req: IncomingMessage): string {
  return (
    /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? ""
  );
}

function members(params: URLSearchParams, prefix: string): string[] {
  return [...params.entries()].filter(([k]) => k.startsWith(`${prefix}.member.`)).map(([, v]) => v);
}

function targetGroupsOf(actions: readonly Action[] | undefined): string[] {
  return (actions ?? []).flatMap((a) => [
    ...(a.TargetGroupArn ? [a.TargetGroupArn] : []),
    ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn ?? ""),
  ]);
}

/** Headers fetch() sets itself or refuses. */
const HOP_HEADERS = [
  "host",
  "content-length",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "expect",
  "upgrade",
];

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Starts the stand-in on 127.0.0.1 in front of the moto server at `motoEndpoint`. */
export async function startTargetHealthStandIn(motoEndpoint: string): Promise<TargetHealthStandIn> {
  const config = { region: "us-east-1", endpoint: motoEndpoint };
  const elb = new ElasticLoadBalancingV2Client(config);
  const asg = new AutoScalingClient(config);
  const ec2 = new EC2Client(config);
  const drains: Drain[] = [];
  const cut = new Map<string, string>();
  const violations: string[] = [];
  let drainingAnswers = 0;
  const deleting = new Map<string, number>();

  /** Target groups some listener of some load balancer names (in a rule or a default action). */
  async function inUse(): Promise<Set<string>> {
    const used = new Set<string>();
    const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    for (const lb of lbs) {
      const listeners =
        (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn })))
          .Listeners ?? [];
      for (const l of listeners) {
        for (const arn of targetGroupsOf(l.DefaultActions)) used.add(arn);
        const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn })))
          .Rules;
        for (const r of rules ?? []) for (const arn of targetGroupsOf(r.Actions)) used.add(arn);
      }
    }
    return used;
  }

  async function registered(targetGroupArn: string) {
    const res = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    return (res.TargetHealthDescriptions ?? []).map((d) => ({
      id: d.Target?.Id ?? "",
      port: d.Target?.Port ?? 80,
      healthCheckPort: d.HealthCheckPort ?? "80",
      state: d.TargetHealth?.State ?? "unknown",
      reason: d.TargetHealth?.Reason,
    }));
  }

  async function unhealthyInstances(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const res = await ec2.send(
      new DescribeInstancesCommand({
        InstanceIds: ids,
        Filters: [{ Name: `tag:${UNHEALTHY_TAG}`, Values: ["true"] }],
      }),
    );
    return new Set(
      (res.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId ?? "")),
    );
  }

  async function delaySeconds(targetGroupArn: string): Promise<number> {
    const res = await elb.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn }),
    );
    const v = res.Attributes?.find((a) => a.Key === "deregistration_delay.timeout_seconds")?.Value;
    return Number(v ?? 300);
  }

  const draining = (id: string, now: number) => drains.filter((d) => d.id === id && now < d.until);

  async function describeTargetHealth(params: URLSearchParams): Promise<string> {
    const arn = params.get("TargetGroupArn") ?? "";
    const now = Date.now();
    const used = (await inUse()).has(arn);
    const listed = await registered(arn);
    const failing = await unhealthyInstances(listed.map((t) => t.id));
    const rows = listed.map((t) =>
      !used
        ? { ...t, state: "unused", reason: "Target.NotInUse" }
        : t.state === "healthy" && failing.has(t.id)
          ? { ...t, state: "unhealthy", reason: "Target.FailedHealthChecks" }
          : t,
    );
    for (const d of drains.filter((x) => x.targetGroupArn === arn && now < x.until)) {
      if (rows.some((r) => r.id === d.id)) continue;
      rows.push({
        id: d.id,
        port: d.port,
        healthCheckPort: String(d.port),
        state: "draining",
        reason: "Target.DeregistrationInProgress",
      });
    }
    if (rows.some((r) => r.state === "draining")) drainingAnswers += 1;
    const member = (r: (typeof rows)[number]) =>
      `<member><HealthCheckPort>${xml(r.healthCheckPort)}</HealthCheckPort>` +
      `<TargetHealth><State>${r.state}</State>${r.reason ? `<Reason>${r.reason}</Reason>` : ""}</TargetHealth>` +
      `<Target><Id>${xml(r.id)}</Id><Port>${r.port}</Port></Target></member>`;
    return (
      `<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">` +
      `<DescribeTargetHealthResult><TargetHealthDescriptions>${rows.map(member).join("")}` +
      `</TargetHealthDescriptions></DescribeTargetHealthResult>` +
      `<ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></DescribeTargetHealthResponse>`
    );
  }

  async function groupInstances(name: string): Promise<string[]> {
    const res = await asg.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
    );
    return (res.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? "");
  }

  /** Before a group is detached: its registered targets start draining if the load balancer uses the target group. */
  async function beforeDetach(params: URLSearchParams): Promise<void> {
    const ids = await groupInstances(params.get("AutoScalingGroupName") ?? "");
    const used = await inUse();
    const now = Date.now();
    for (const arn of members(params, "TargetGroupARNs")) {
      if (!used.has(arn)) continue;
      const until = now + (await delaySeconds(arn)) * 1000;
      for (const t of await registered(arn)) {
        if (ids.includes(t.id)) drains.push({ targetGroupArn: arn, id: t.id, port: t.port, until });
      }
    }
  }

  /** Around a rule or listener change: targets of a target group that left every rule lost their drain. */
  async function aroundRuleChange(forward: () => Promise<void>): Promise<void> {
    const before = await inUse();
    await forward();
    const after = await inUse();
    const now = Date.now();
    for (const arn of [...before].filter((a) => !after.has(a))) {
      const ids = [
        ...(await registered(arn).catch(() => [])).map((t) => t.id),
        ...drains.filter((d) => d.targetGroupArn === arn && now < d.until).map((d) => d.id),
      ];
      for (const id of ids) {
        cut.set(
          id,
          `its target group ${arn} left every listener rule while it was registered or draining`,
        );
      }
    }
  }

  /** Before a group is deleted with its instances: each must have drained. */
  async function beforeDelete(params: URLSearchParams): Promise<void> {
    const ids = await groupInstances(params.get("AutoScalingGroupName") ?? "").catch(() => []);
    const used = await inUse();
    const now = Date.now();
    for (const id of ids) {
      const why = cut.get(id);
      if (why) violations.push(`${id} terminated after ${why}`);
      const left = draining(id, now);
      if (left.length > 0) {
        const ms = Math.max(...left.map((d) => d.until - now));
        violations.push(
          `${id} terminated while draining (${(ms / 1000).toFixed(1)}s of its deregistration delay left)`,
        );
      }
      for (const arn of used) {
        if ((await registered(arn)).some((t) => t.id === id)) {
          violations.push(
            `${id} terminated while registered in ${arn}, which the load balancer uses`,
          );
        }
      }
    }
  }

  function deletingGroup(params: URLSearchParams): string {
    const name = xml(params.get("AutoScalingGroupNames.member.1") ?? "");
    return (
      `<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">` +
      `<DescribeAutoScalingGroupsResult><AutoScalingGroups><member>` +
      `<AutoScalingGroupName>${name}</AutoScalingGroupName><Status>Delete in progress</Status>` +
      `<MinSize>0</MinSize><MaxSize>0</MaxSize><DesiredCapacity>0</DesiredCapacity>` +
      `<Instances></Instances><TargetGroupARNs></TargetGroupARNs><Tags></Tags>` +
      `</member></AutoScalingGroups></DescribeAutoScalingGroupsResult>` +
      `<ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata>` +
      `</DescribeAutoScalingGroupsResponse>`
    );
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const params = new URLSearchParams(body.toString("utf8"));
      const action = params.get("Action") ?? "";
      const service = serviceOf(req);
      const pass = async () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === "string" && !HOP_HEADERS.includes(k)) headers[k] = v;
        }
        const up = await fetch(`${motoEndpoint}${req.url ?? "/"}`, {
          method: req.method,
          headers,
          body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
        });
        return {
          status: up.status,
          type: up.headers.get("content-type") ?? "text/xml",
          text: await up.text(),
        };
      };
      let out: { status: number; type: string; text: string };
      if (service === "elasticloadbalancing" && action === "DescribeTargetHealth") {
        try {
          out = { status: 200, type: "text/xml", text: await describeTargetHealth(params) };
        } catch {
          out = await pass(); // moto's own error (e.g. TargetGroupNotFound)
        }
      } else if (
        service === "elasticloadbalancing" &&
        ["CreateRule", "ModifyRule", "DeleteRule", "DeleteListener", "ModifyListener"].includes(
          action,
        )
      ) {
        let answer: typeof out | undefined;
        await aroundRuleChange(async () => {
          answer = await pass();
        });
        out = answer!;
      } else if (service === "autoscaling" && action === "DetachLoadBalancerTargetGroups") {
        await beforeDetach(params);
        out = await pass();
      } else if (service === "autoscaling" && action === "DeleteAutoScalingGroup") {
        await beforeDelete(params);
        out = await pass();
        if (out.status === 200) {
          deleting.set(params.get("AutoScalingGroupName") ?? "", Date.now() + TERMINATION_MS);
        }
      } else if (
        service === "autoscaling" &&
        action === "DescribeAutoScalingGroups" &&
        (deleting.get(params.get("AutoScalingGroupNames.member.1") ?? "") ?? 0) > Date.now()
      ) {
        out = { status: 200, type: "text/xml", text: deletingGroup(params) };
      } else {
        out = await pass();
      }
      res.writeHead(out.status, { "content-type": out.type });
      res.end(out.text);
    })().catch((err: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`stand-in: ${String(err)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    violations,
    drainingAnswers: () => drainingAnswers,
    lastGroupGoneAt: () => Math.max(0, ...deleting.values()),
    async stop() {
      elb.destroy();
      asg.destroy();
      ec2.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateLaunchTemplateCommand,
  DescribeSubnetsCommand,
  EC2Client,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeTagsCommand,
  ModifyTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { FLEET_TAG_KEY, SERVING_RULE_PRIORITY } from "../../lib/aws/release";

/**
 * What the release tests build in moto by hand (a network with a load balancer and listeners,
 * target groups and groups tagged with a fleet, serving rules) and read back, against the moto
 * server (or a stand-in in front of it) that `motoEndpoint()` names when called.
 */
export function releaseWorld(motoEndpoint: () => string) {
  const REGION = "us-east-1";
  function clients(endpoint = motoEndpoint()) {
    const config = { region: REGION, endpoint };
    return {
      ec2: new EC2Client(config),
      asg: new AutoScalingClient(config),
      elb: new ElasticLoadBalancingV2Client(config),
    };
  }

  /** Two subnets of moto's default VPC, a launch template, an ALB and a listener answering 503. */
  async function network() {
    const { ec2, elb } = clients();
    const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
    const [a, b] = subnets;
    const lt = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `web-lt-${Math.random().toString(16).slice(2, 8)}`,
        LaunchTemplateData: { ImageId: "ami-12c6146b", InstanceType: "t3.micro" },
      }),
    );
    const lb = await elb.send(
      new CreateLoadBalancerCommand({
        Name: `lb-${Math.random().toString(16).slice(2, 8)}`,
        Subnets: [a.SubnetId ?? "", b.SubnetId ?? ""],
        Type: "application",
      }),
    );
    const lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? "";
    const listener = async (port: number) =>
      (
        await elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: lbArn,
            Port: port,
            Protocol: "HTTP",
            DefaultActions: [
              {
                Type: "fixed-response",
                FixedResponseConfig: { StatusCode: "503", ContentType: "text/plain" },
              },
            ],
          }),
        )
      ).Listeners?.[0]?.ListenerArn ?? "";
    return {
      vpcId: a.VpcId ?? "",
      subnetId: a.SubnetId ?? "",
      launchTemplateId: lt.LaunchTemplate?.LaunchTemplateId ?? "",
      listenerArn: await listener(80),
      otherListenerArn: await listener(8081),
    };
  }

  /** The serving rule (priority 50000) of a listener, forwarding to weighted target groups. */
  async function servingRule(
    listenerArn: string,
    forward: { arn: string; weight: number }[],
    endpoint = motoEndpoint(),
  ) {
    const { elb } = clients(endpoint);
    const res = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: SERVING_RULE_PRIORITY,
        Conditions: [{ Field: "path-pattern", Values: ["*"] }],
        Actions: [
          {
            Type: "forward",
            ForwardConfig: {
              TargetGroups: forward.map((t) => ({ TargetGroupArn: t.arn, Weight: t.weight })),
            },
          },
        ],
      }),
    );
    return res.Rules?.[0]?.RuleArn ?? "";
  }

  async function targetGroup(
    name: string,
    fleetTag: string,
    delaySeconds?: number,
  ): Promise<string> {
    const { ec2, elb } = clients();
    const vpcId = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets?.[0]?.VpcId ?? "";
    const res = await elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: "HTTP",
        Port: 8080,
        VpcId: vpcId,
        Tags: [{ Key: FLEET_TAG_KEY, Value: fleetTag }],
      }),
    );
    const arn = res.TargetGroups?.[0]?.TargetGroupArn ?? "";
    if (delaySeconds !== undefined) {
      await elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arn,
          Attributes: [
            { Key: "deregistration_delay.timeout_seconds", Value: String(delaySeconds) },
          ],
        }),
      );
    }
    return arn;
  }

  /** ARNs of the target groups tagged with a fleet. */
  async function targetGroupsOf(fleetTag: string): Promise<string[]> {
    const { elb } = clients();
    const arns = ((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).map(
      (t) => t.TargetGroupArn ?? "",
    );
    if (arns.length === 0) return [];
    const tags = await elb.send(new DescribeTagsCommand({ ResourceArns: arns }));
    return (tags.TagDescriptions ?? [])
      .filter((d) => d.Tags?.some((t) => t.Key === FLEET_TAG_KEY && t.Value === fleetTag))
      .map((d) => d.ResourceArn ?? "");
  }

  async function group(p: {
    name: string;
    tg: string;
    fleetTag: string;
    count: number;
    net: Awaited<ReturnType<typeof network>>;
  }) {
    const { asg } = clients();
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: p.name,
        MinSize: p.count,
        MaxSize: p.count,
        DesiredCapacity: p.count,
        LaunchTemplate: { LaunchTemplateId: p.net.launchTemplateId, Version: "$Latest" },
        VPCZoneIdentifier: p.net.subnetId,
        TargetGroupARNs: [p.tg],
        Tags: [{ Key: FLEET_TAG_KEY, Value: p.fleetTag, PropagateAtLaunch: true }],
      }),
    );
  }

  async function groupsOf(fleetTag: string) {
    const { asg } = clients();
    const res = await asg.send(
      new DescribeAutoScalingGroupsCommand({
        Filters: [{ Name: `tag:${FLEET_TAG_KEY}`, Values: [fleetTag] }],
      }),
    );
    return (res.AutoScalingGroups ?? []).map((g) => ({
      name: g.AutoScalingGroupName ?? "",
      desired: g.DesiredCapacity,
      instances: (g.Instances ?? []).length,
      targetGroupArns: g.TargetGroupARNs ?? [],
    }));
  }

  async function healthy(tg: string, endpoint = motoEndpoint()): Promise<number> {
    const { elb } = clients(endpoint);
    const res = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }));
    return (res.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === "healthy")
      .length;
  }

  async function stopInstancesOf(name: string): Promise<void> {
    const { asg, ec2 } = clients();
    const res = await asg.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
    );
    const ids = (res.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? "");
    await ec2.send(new StopInstancesCommand({ InstanceIds: ids }));
  }

  return {
    clients,
    network,
    servingRule,
    targetGroup,
    targetGroupsOf,
    group,
    groupsOf,
    healthy,
    stopInstancesOf,
  };
}

/** A network as {@link releaseWorld}'s `network` makes it. */
export type ReleaseNetwork = Awaited<ReturnType<ReturnType<typeof releaseWorld>["network"]>>;

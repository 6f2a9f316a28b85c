import { type Tally, type Verdict, judgeBake, judgeStep } from "../../lib/rollout/analysis";
import type { RolloutPolicy } from "../../lib/rollout/policy";
import {
  type WindowRecord,
  breachMessage,
  inconclusiveMessage,
  progressLine,
  windowName,
} from "../../lib/rollout/report";
import {
  alarmMessage,
  alarmVerdict,
  canaryForward,
  metricDimensions,
  missingAlarmsMessage,
  rollbackForward,
} from "../../lib/aws/canary";
import { RELEASE_TAG_KEY, failedCandidateGroups } from "../../lib/aws/release";
import { type AwsConnection, pause } from "./awsConnection";
import { alarmStates, setServingForward, targetGroupTally } from "./canaryApi";
import { fleetGroups, fleetTargetGroups, scaleGroup } from "./fleetApi";

/**
 * A canary (the gate's steps) and a bake (the retire's wait) on the aws target: shift the serving
 * rules' weights, read the candidate's load balancer metrics and the user's alarms, judge with the
 * shared lib/rollout/analysis.ts, and on a breach put the rules back and scale the candidate to 0.
 */

/** What a canary or a bake needs: where to read and write, and whom it judges. */
export interface RolloutRun extends AwsConnection {
  readonly fleetTag: string;
  readonly rollout: RolloutPolicy;
  /** The listeners carrying the serving rule (the first one names the load balancer). */
  readonly listenerArns: readonly string[];
  /** The release being judged: its target group. */
  readonly candidate: string;
  /** The release that served before, to fall back on: its target group. */
  readonly previous: string;
  /** The target group the serving rule keeps at weight 0 besides those two ("" if none). */
  readonly draining: string;
  /** Seconds between two reads. */
  readonly pollSeconds: number;
}

/** A line in the engine's output (the `pulumi` module is required here, never captured). */
async function say(line: string): Promise<void> {
  const log = require("@pulumi/pulumi/log") as typeof import("@pulumi/pulumi/log");
  await log.info(`rollout: ${line}`);
}

/** How often a progress line is printed while a window is watched. */
const PROGRESS_EVERY_MS = 10_000;

/** "release <id>" of a target group, from its release tag (the target group itself if untagged). */
async function releaseName(run: RolloutRun, targetGroupArn: string): Promise<string> {
  const tgs = await fleetTargetGroups(run, run.fleetTag);
  const id = tgs.find((t) => t.arn === targetGroupArn)?.tags[RELEASE_TAG_KEY];
  return id ? `release ${id}` : targetGroupArn;
}

/**
 * Puts the serving rules back on the previous release ({@link rollbackForward}: the candidate at
 * weight 0, so the load balancer keeps using its target group while its targets drain) and scales
 * the candidate's groups to 0, never one of the previous release.
 */
export async function rollBack(run: RolloutRun): Promise<void> {
  await setServingForward(run, run.listenerArns, rollbackForward(run));
  const failed = failedCandidateGroups({
    fleetTag: run.fleetTag,
    candidateTargetGroupArn: run.candidate,
    servingTargetGroupArn: run.previous,
    groups: await fleetGroups(run, run.fleetTag),
  });
  for (const g of failed) await scaleGroup(run, g.name, { minSize: 0, desiredCapacity: 0 });
}

/** Fails the rollout before anything moved when a named alarm does not exist. */
export async function checkAlarmsExist(run: RolloutRun, phase: "canary" | "bake"): Promise<void> {
  const { missing } = alarmVerdict(run.rollout.alarms, await alarmStates(run, run.rollout.alarms));
  if (missing.length > 0) throw new Error(missingAlarmsMessage(missing, run.region, phase));
}

/**
 * Watches one window until `judge` passes it: prints progress, rolls back and throws on a breach,
 * an alarm or an inconclusive `fail`. Returns the window's record.
 */
async function watchWindow(
  run: RolloutRun,
  w: { phase: "canary" | "bake"; percent: number; seconds: number },
  judge: (t: Tally, elapsedMs: number, extended: boolean) => Verdict,
): Promise<WindowRecord> {
  const dims = metricDimensions(run.candidate, run.listenerArns[0]);
  const started = Date.now();
  let extended = false;
  let printed = 0;
  for (;;) {
    const tally = await targetGroupTally(run, dims, started);
    const elapsed = Date.now() - started;
    const ends = w.seconds * 1000 * (extended ? 2 : 1);
    if (Date.now() - printed >= PROGRESS_EVERY_MS) {
      await say(progressLine(w, tally, ends - elapsed));
      printed = Date.now();
    }
    const record = (result: WindowRecord["result"]): WindowRecord => ({
      ...w,
      seconds: Math.round(elapsed / 1000),
      requests: tally.requests,
      failed: tally.failed,
      result,
    });
    const { firing } = alarmVerdict(run.rollout.alarms, await alarmStates(run, run.rollout.alarms));
    if (firing.length > 0) {
      const previous = await releaseName(run, run.previous);
      await rollBack(run);
      throw new Error(alarmMessage(windowName(w), firing, previous));
    }
    const verdict = judge(tally, elapsed, extended);
    if (verdict.kind === "breach") {
      const previous = await releaseName(run, run.previous);
      await rollBack(run);
      throw new Error(breachMessage(w, tally, run.rollout, previous));
    }
    if (verdict.kind === "inconclusive" && verdict.then === "fail") {
      const previous = await releaseName(run, run.previous);
      await rollBack(run);
      throw new Error(
        inconclusiveMessage({ ...w, seconds: ends / 1000 }, tally, run.rollout, previous),
      );
    }
    if (verdict.kind === "inconclusive") {
      await say(`${progressLine(w, tally, 0)}: inconclusive, promoted (inconclusive: promote)`);
      return record("inconclusive, promoted");
    }
    if (verdict.kind === "pass") {
      await say(`${progressLine(w, tally, 0)}: passed`);
      return record("passed");
    }
    if (verdict.kind === "extend") {
      extended = true;
      await say(
        `${windowName(w)}: ${tally.requests} requests, fewer than minRequests ` +
          `(${run.rollout.minRequests}); watched for ${w.seconds} s more`,
      );
      continue;
    }
    await pause(run.pollSeconds * 1000);
  }
}

/**
 * The canary steps of a candidate that passed its health gate: each step sets the serving rules to
 * {@link canaryForward} and is judged on the candidate target group's metrics. Leaves the rules at
 * the last step's weights; the switch to 100% follows.
 */
export async function runCanary(run: RolloutRun): Promise<WindowRecord[]> {
  await checkAlarmsExist(run, "canary");
  const windows: WindowRecord[] = [];
  for (const step of run.rollout.steps) {
    await setServingForward(
      run,
      run.listenerArns,
      canaryForward({
        serving: run.previous,
        draining: run.draining,
        candidate: run.candidate,
        percent: step.percent,
      }),
    );
    windows.push(
      await watchWindow(
        run,
        { phase: "canary", percent: step.percent, seconds: step.seconds },
        (t, ms, ext) => judgeStep(t, run.rollout, step, ms, ext),
      ),
    );
  }
  return windows;
}

/**
 * The bake: the candidate serves 100% with the previous release still registered and warm at
 * weight 0; judged like a step, without a minimum of requests.
 */
export async function runBake(run: RolloutRun): Promise<WindowRecord> {
  await checkAlarmsExist(run, "bake");
  return watchWindow(
    run,
    { phase: "bake", percent: 100, seconds: run.rollout.bakeSeconds },
    (t, ms) => judgeBake(t, run.rollout, ms),
  );
}

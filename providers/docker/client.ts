/**
 * The one way providers reach the Docker Engine API. Dynamic providers serialize our own files by
 * value into the state, so dockerode is required inside the call (re-required by name where the
 * provider runs) and no client lives at module level.
 */
import type Dockerode from "dockerode";
import { guardEngine } from "../engineGuard";

/**
 * A typed dockerode client; honours DOCKER_HOST like the docker CLI. Every provider operation
 * gets one, so this is also where a provider process ties its life to its engine's.
 */
export function dockerClient(): Dockerode {
  guardEngine();
  const Docker = require("dockerode") as typeof Dockerode;
  return new Docker();
}

/** The HTTP status of a Docker Engine API error, or undefined for any other error. */
export function dockerStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { statusCode?: unknown }).statusCode;
  return typeof code === "number" ? code : undefined;
}

/** True when a Docker Engine API call failed because the object does not exist (HTTP 404). */
export function isNotFound(err: unknown): boolean {
  return dockerStatus(err) === 404;
}

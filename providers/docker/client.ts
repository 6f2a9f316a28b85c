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
  const docker = new Docker();
  // Every API call dials through here: an engine that is not there is named in the project's words.
  const modem = docker.modem as unknown as EngineModem & {
    dial(options: unknown, callback: (err: unknown, data?: unknown) => void): unknown;
  };
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) =>
    dial(options, (err, data) =>
      callback(err ? engineError(err, engineAddress(modem)) : err, data),
    );
  return docker;
}

/** What docker-modem knows of where it dials. */
export interface EngineModem {
  /** A path, or (docker-modem 5 without DOCKER_HOST) a function that finds the default socket. */
  socketPath?: string | (() => unknown);
  /** The path that function found, once a call has dialled. */
  socketPathCache?: string;
  host?: string;
  port?: string | number;
}

/** The engine's address as a user would type it: the socket's path, or host:port. */
export function engineAddress(modem: EngineModem): string {
  if (typeof modem.socketPath === "string") return modem.socketPath;
  if (modem.socketPath !== undefined) return modem.socketPathCache ?? "the default Docker socket";
  return `${modem.host ?? "localhost"}:${modem.port ?? ""}`;
}

/** What the kernel says when a write finds no space left. */
export const NO_SPACE = "no space left on device";

/** The first line when the engine's disk is full, with the fix; `subject` is what failed. */
export function diskFull(subject: string): string {
  return (
    `${subject}: the Docker engine's disk is full (${NO_SPACE}); free space (\`docker system df\` ` +
    "shows what uses it, `docker image prune` removes images no container uses) and run again"
  );
}

/**
 * An engine that cannot be reached, said with the fix first; any other error as it was. The codes
 * are the socket's: no such socket, nobody listening, not allowed.
 */
export function engineError(err: unknown, where: string): unknown {
  const message = (err as { message?: unknown } | undefined)?.message;
  if (typeof message === "string" && message.includes(NO_SPACE))
    return Object.assign(new Error(`${diskFull(`Docker engine at ${where}`)}\n${message}`), {
      cause: err,
    });
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code !== "ENOENT" && code !== "ECONNREFUSED" && code !== "EACCES") return err;
  const why =
    code === "EACCES"
      ? "this user may not use it (add it to the docker group, or run as root)"
      : "no Docker engine answers there";
  return Object.assign(
    new Error(
      `Docker engine at ${where}: ${why} (${String(code)}); start one (\`npm run setup\` starts ` +
        "Debian's docker.io where none runs) or point DOCKER_HOST at a running engine",
    ),
    { code, cause: err },
  );
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

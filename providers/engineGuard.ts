/**
 * A dynamic provider process never outlives the engine that started it.
 *
 * The engine runs each dynamic provider as a process of its own (in a process group of its own),
 * writing its output to the engine through a pipe. When the engine is killed (SIGKILL, an OOM kill,
 * a cancelled CI job), the provider keeps running: its next write to the pipe fails with EPIPE, and
 * @pulumi/pulumi's provider host handles that error by writing it to stderr, another broken pipe,
 * and so on forever, keeping every error in a Set: measured here, each such orphan took a third of
 * a core and 3.7 GB of memory 30 minutes after its engine was killed. So on the first call that
 * logs, the provider process gets (once) handlers that exit it on a broken stdout or stderr, and a
 * check every 2 s that the engine still accepts connections on its RPC address (the provider's
 * first argument), which exits it once the engine is gone, also when it never writes again.
 * Serialized by value with the providers: the once-per-process flag lives on `globalThis`, and
 * node:net is required inside the call.
 */
/** Exit code of a provider process whose engine is gone. */
const ENGINE_GONE = 70;

/** How often the engine's RPC address is checked, ms. */
const CHECK_EVERY_MS = 2000;

/** Installs the guards (see the module comment); does nothing after the first call. */
export function guardEngine(): void {
  const g = globalThis as { __phoenixEngineGuard?: boolean };
  if (g.__phoenixEngineGuard) return;
  g.__phoenixEngineGuard = true;
  const leave = () => process.exit(ENGINE_GONE);
  process.stdout.on("error", leave);
  process.stderr.on("error", leave);
  const [host, port] = (process.argv[2] ?? "").split(":");
  if (host === undefined || !(Number(port) > 0)) return; // not a provider process (a test)
  const net = require("node:net") as typeof import("node:net");
  const check = () => {
    const socket = net.connect({ host, port: Number(port) });
    socket.once("connect", () => socket.destroy());
    socket.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNREFUSED") leave();
    });
  };
  setInterval(check, CHECK_EVERY_MS).unref();
}

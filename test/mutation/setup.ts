/**
 * Setup for the unit tests as Stryker runs them (never for `npm run test:unit`).
 *
 * Stryker's instrumented functions close over its coverage bookkeeping, so Pulumi serializing a
 * dynamic provider's closure (every RegistryImage, release gate or audit a mock test creates) would
 * walk all of it: the mock tests' `beforeAll` then never finishes, and in worker threads the
 * serializer cannot run at all (it needs the inspector). No unit test runs or reads the serialized
 * provider, so under Stryker it is serialized to a fixed marker instead.
 */
import { createRequire } from "module";

const require = createRequire(__filename);
const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as {
  serializeFunction: (...args: unknown[]) => Promise<{ text: string; containsSecrets: boolean }>;
};
closure.serializeFunction = async () => ({
  text: "exports.handler = undefined; // not serialized under mutation testing",
  containsSecrets: false,
});

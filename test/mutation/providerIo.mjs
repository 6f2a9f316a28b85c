/**
 * Stryker ignorer: in providers/, mutate only the pure parts. A dynamic provider's create, read,
 * update and delete and its async helpers talk to the Docker engine or the AWS API; the end-to-end
 * tests prove them against the real services, and the unit tests Stryker runs cannot reach them.
 * `check` and `diff` stay mutated (they decide, and are async only because the provider interface
 * says so), and so does every synchronous helper.
 */
import path from "node:path";
import { PluginKind, declareValuePlugin } from "@stryker-mutator/api/plugin";

const PROVIDERS = path.sep + "providers" + path.sep;
const PURE_METHODS = new Set(["check", "diff"]);

function inProviders(nodePath) {
  const file = nodePath.hub?.file?.opts?.filename;
  if (typeof file !== "string") {
    throw new Error("provider-io ignorer: Stryker no longer passes the file name to ignorers");
  }
  return file.includes(PROVIDERS);
}

function methodName(node) {
  return node.key && node.key.type === "Identifier" ? node.key.name : undefined;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, "provider-io", {
    shouldIgnore(nodePath) {
      const { node } = nodePath;
      const isFunction =
        node.type === "FunctionDeclaration" ||
        node.type === "FunctionExpression" ||
        node.type === "ArrowFunctionExpression" ||
        node.type === "ObjectMethod" ||
        node.type === "ClassMethod";
      if (!isFunction || !node.async || !inProviders(nodePath)) return undefined;
      if (node.type === "ObjectMethod" && PURE_METHODS.has(methodName(node))) return undefined;
      return "provider I/O against Docker or AWS: proven by the end-to-end tests, not unit tests";
    },
  }),
];

import type { Issue } from "../core/errors";
import { CONFIG_NAMESPACE } from "./stackConfig";

/** The command that sets a stack secret the spec names, e.g. `pulumi config set --secret phoenix:DB_PASSWORD <value>`. */
export function secretSetCommand(name: string): string {
  return `pulumi config set --secret ${CONFIG_NAMESPACE}:${name} <value>`;
}

/**
 * One issue per name in the spec's `secrets:` that has no stack secret value, all at once, each with
 * the command that sets it. `values` maps a name to its value, or to undefined when it is not set.
 */
export function missingSecretIssues(
  names: readonly string[],
  values: Readonly<Record<string, unknown>>,
): Issue[] {
  return names
    .filter((name) => values[name] === undefined)
    .map((name) => ({
      path: `secrets.${name}`,
      message: `no value; set it with \`${secretSetCommand(name)}\``,
    }));
}

import type { ResourceValidationPolicy } from "@pulumi/policy";

/** Runs a pure predicate for the listed resource types and reports each message it returns. */
export function forTypes(
  types: readonly string[],
  check: (type: string, props: Record<string, unknown>) => string[],
): ResourceValidationPolicy["validateResource"] {
  return (args, report) => {
    if (!types.includes(args.type)) return;
    for (const message of check(args.type, args.props)) report(message);
  };
}

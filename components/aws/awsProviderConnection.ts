import * as pulumi from "@pulumi/pulumi";
import {
  type AssumeRoleSettings,
  UNSUPPORTED_SETTINGS,
  hasSecretCredentials,
  providerConnection,
} from "../../lib/aws/providerConnection";
import type { AwsConnection } from "../../providers/aws/awsConnection";

/**
 * Where and as whom the release gate, the retire and the audit call AWS: every credential setting
 * of the aws provider read from `aws:*` stack config (lib/aws/providerConnection.ts says which, and
 * refuses by name the ones they cannot follow). With `aws:secretKey` or `aws:token` the connection
 * is a secret Output, so the dynamic providers' state keeps it encrypted.
 * @throws pulumi.ResourceError (on `parent`) listing every refused setting.
 */
export function awsProviderConnection(
  region: string,
  parent?: pulumi.Resource,
): pulumi.Output<AwsConnection> {
  const c = new pulumi.Config("aws");
  const list = (key: string) => c.getObject<string[]>(key);
  let connection: AwsConnection;
  try {
    connection = providerConnection(region, {
      region: c.get("region"),
      profile: c.get("profile"),
      accessKey: c.get("accessKey"),
      // Read as plain text only to pass them on inside a secret Output (below).
      secretKey: c.get("secretKey"),
      token: c.get("token"),
      sharedCredentialsFiles: list("sharedCredentialsFiles"),
      sharedConfigFiles: list("sharedConfigFiles"),
      assumeRoles: c.getObject<AssumeRoleSettings[]>("assumeRoles"),
      // Read as text: some are strings (httpProxy), some booleans or lists as JSON.
      unsupported: Object.fromEntries(
        Object.keys(UNSUPPORTED_SETTINGS).map((key) => [key, setting(c.get(key))]),
      ),
    });
  } catch (err) {
    throw new pulumi.ResourceError((err as Error).message, parent as pulumi.Resource);
  }
  return hasSecretCredentials(connection.credentials!)
    ? pulumi.secret(connection)
    : pulumi.output(connection);
}

/** A setting's text, or undefined when it is unset or says "off" (false, empty, [] or {}). */
function setting(text: string | undefined): string | undefined {
  return text === undefined || ["", "false", "[]", "{}", "null"].includes(text.trim())
    ? undefined
    : text;
}

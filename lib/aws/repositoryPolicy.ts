/**
 * The ECR repository policy that lets other AWS accounts pull the images a building stack pushes
 * (stack config `pullAccountIds`), so a promoting stack in another account can run them by digest.
 * Pull only: nothing here lets another account push, tag or delete.
 */

/** The ECR actions a pull needs. */
export const PULL_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
] as const;

/** Repository policy document granting {@link PULL_ACTIONS} to the root of each account. */
export function pullPolicyDocument(p: {
  partition: string;
  accountIds: readonly string[];
}): string {
  const accounts = [...new Set(p.accountIds)].sort();
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PullFromOtherAccounts",
        Effect: "Allow",
        Principal: { AWS: accounts.map((a) => `arn:${p.partition}:iam::${a}:root`) },
        Action: [...PULL_ACTIONS],
      },
    ],
  });
}

/**
 * Before the end-to-end run: the specs it builds take the versions Debian's archive has today where
 * a pin has rotted (a test must not fail because Debian published an update); after it: the files
 * as they were. The tests that pin on purpose derive their versions from the archive (archive.ts).
 */
import * as fs from "node:fs";
import { currentPins, e2eSpecFiles } from "./archive";
import { REPO_ROOT } from "./harness";

export default async function setup(): Promise<() => void> {
  const { restore, moved } = await currentPins(e2eSpecFiles(REPO_ROOT));
  for (const line of moved)
    console.warn(
      `[e2e] rotten pin moved for this run (npx phoenix pins update fixes the file): ${line}`,
    );
  return () => {
    for (const [file, text] of restore) fs.writeFileSync(file, text);
  };
}

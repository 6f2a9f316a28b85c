#!/usr/bin/env bash
# The scheduled pin bump (.github/workflows/pins-bump.yml): moves every pin of every spec to the version
# Debian's archive has today (`phoenix pins update --all`: security updates and point releases, packages
# of one source in step), builds both images and runs the new one's spec tests, and writes the pull
# request body: per spec the spec diff, every package that moved in the image (transitive ones
# included), and the spec tests' result.
#
#   scripts/pins-bump.sh <out-dir> [spec.yaml ...]     (default: images/*.yaml), from the repository root
#   PHOENIX   how to run the CLI (default: npx phoenix)
#
# Writes <out-dir>/body.md and, for the workflow, `changed=<n>` and `tests=passed|failed` to
# $GITHUB_OUTPUT. The specs are rewritten in place; committing them is the workflow's step. Exits 0
# when tests fail (the pull request says so); non-zero only when a pin cannot be updated at all.
set -euo pipefail
OUT="${1:?usage: scripts/pins-bump.sh <out-dir> [spec.yaml ...]}"
shift
if [ $# -gt 0 ]; then specs=("$@"); else specs=(images/*.yaml); fi
read -r -a PHOENIX <<<"${PHOENIX:-npx phoenix}"
mkdir -p "$OUT"
body="$OUT/body.md"
changed=0
tests=passed

{
  echo "Every pin moved to the version Debian's archive has today (\`phoenix pins update --all\`):"
  echo "security updates and point releases, packages built from one source kept at one version."
  echo "Each spec below makes a new hash, a new image and a whole new fleet once merged."
} >"$body"

for spec in "${specs[@]}"; do
  "${PHOENIX[@]}" pins update --all "$spec" >"$OUT/update.txt"
  if git diff --quiet -- "$spec"; then continue; fi
  changed=$((changed + 1))
  {
    echo
    echo "### $spec"
    echo
  } >>"$body"
  # The image of the spec as committed, so the diff can list every package that moved.
  "${PHOENIX[@]}" build --base HEAD "$spec" >"$OUT/build-base.log" 2>&1 ||
    echo "(the image of the committed spec did not build, so only the pins are compared)" >>"$body"
  if "${PHOENIX[@]}" build "$spec" >"$OUT/build-new.log" 2>&1; then
    echo "spec tests: **passed**" >>"$body"
  else
    tests=failed
    {
      echo "spec tests: **FAILED** (or the image did not build); last lines:"
      echo '```'
      tail -n 30 "$OUT/build-new.log"
      echo '```'
    } >>"$body"
  fi
  {
    echo
    echo '```'
    "${PHOENIX[@]}" diff --base HEAD "$spec"
    echo '```'
  } >>"$body"
done

if [ "$changed" -eq 0 ]; then echo >>"$body" && echo "No pin moved: every spec is current." >>"$body"; fi
{
  echo "changed=$changed"
  echo "tests=$tests"
} >>"${GITHUB_OUTPUT:-/dev/null}"
echo "pins-bump: $changed spec(s) changed, spec tests $tests; body in $body"

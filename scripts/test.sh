#!/usr/bin/env bash
# `npm test`: everything the tests need (scripts/ensure.sh: Node dependencies, the Pulumi CLI, a Docker
# engine, the base image, the registry and moto, each only when missing), then the unit tests and the
# end-to-end tests with the real engine. Extra arguments go to both vitest runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/ensure.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh
npx vitest run --dir test/unit "$@"
npx vitest run --config vitest.e2e.config.ts "$@"

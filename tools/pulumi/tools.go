//go:build tools

// Package tools pins the Pulumi engine (CLI) and its Node.js language host at one release so that
// scripts/setup.d/10-pulumi.sh can build them from Go modules through the Go module proxy.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)

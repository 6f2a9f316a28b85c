//go:build tools

// Package tools pins the Node.js language host. Its own module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is refused by the Go module proxy,
// so it is built from github.com/pulumi/pulumi/sdk/v3 v3.68.0, the last release that shipped the host
// inside the sdk/v3 module. Its gRPC protocol is the one the v3.274.1 engine still speaks for
// preview, up, refresh, destroy and dynamic providers.
package tools

import (
	_ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
)

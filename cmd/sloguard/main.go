// Command sloguard runs the instrumented demo service with its SLO processor
// (serve), evaluates SLOs once (check), validates spec files (validate),
// generates Prometheus rules (rules), exports OpenSLO (export) and drives
// load at a service (loadgen). See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

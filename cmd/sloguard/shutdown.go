package main

import (
	"log/slog"

	"github.com/sloguard/sloguard/internal/endpoint"
)

// logLastExport logs a failed last export of spans and metrics at
// shutdown. It is not an error of the stop: a Collector that is down
// must not turn a clean SIGINT into a failed exit (the runbook promises
// status 0), but what could not be exported is lost, and that is said.
// The exporters' errors quote their endpoints: they are redacted as the
// SDK's own log lines are.
func logLastExport(logger *slog.Logger, err error) {
	if err == nil {
		return
	}
	logger.Error("last export of spans and metrics at shutdown failed: what was not yet exported is lost",
		"error", endpoint.RedactText(err.Error()))
}

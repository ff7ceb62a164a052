// Package tools holds the checks of sloguard's deployment files: the
// docker-compose topology and the configurations in otel-config/, loaded with
// the compose-spec loader and validated by the real servers that
// scripts/tools builds from the modules pinned below this directory
// (prometheus/, alertmanager/, jaeger/, otelcol/, sloth/), and that the pinned
// Sloth generates the rules the peer comparisons expect.
//
// It is a module of its own so that the compose loader and the servers'
// dependencies never enter the product's go.mod. It has no non-test code
// beyond this file; its tests run no goroutines of their own and start the
// servers' command-line checks one at a time.
package tools

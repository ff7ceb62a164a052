// Package layering holds the test that keeps the package graph in the shape
// docs/ARCHITECTURE.md states, and keeps the graph printed there current.
// It has no code of its own; run `go test ./internal/layering -update` to
// rewrite the graph in the document after an import changed on purpose.
package layering

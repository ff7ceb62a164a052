//go:build race

package instrumentation_test

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation counts then say nothing about a normal build.
const raceEnabled = true

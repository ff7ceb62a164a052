// Package storetest checks implementations of slo.Store against the
// contract the processor relies on (Run), and provides MemStore, an
// in-memory Store for tests.
//
// Run builds its expectations from the samples it appends, never from the
// store under test. MemStore keeps every sample and sums on each query, the
// plainest reading of the contract; it is safe for concurrent use.
package storetest

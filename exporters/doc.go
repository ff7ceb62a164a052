// Package exporters holds what every exporter and alert sink of the module
// shares: ErrClosed, the error of a call after Shutdown. Its subpackages are
// the exporters themselves (ndjson for traces; alertfile, alertmanager and
// webhook for alerts).
//
// ErrClosed lives here, in a leaf that imports nothing, because this is the
// lowest layer that has a lifecycle: the trace exporter (which knows nothing
// of SLOs), the alert sinks, their delivery queue and the slo.Processor all
// return it, and each can import this package without pulling in another's
// dependencies.
//
// # Lifecycle
//
// Every exporter, sink, source and the processor follows one convention:
// Shutdown flushes what is pending and releases resources, and a second
// Shutdown returns nil; ForceFlush writes or sends what is pending and
// returns; a call that exports or sends after Shutdown returns ErrClosed
// (errors.Is); a cancelled or expired ctx makes Shutdown and ForceFlush
// return ctx.Err() (wrapped) without waiting longer. The network sinks'
// Shutdown is bounded even without a deadline: one final attempt within
// the budget of one post, then what is left is dropped and counted.
// exporters/exportertest is the suite every exporter and sink runs to
// prove it.
package exporters

import "errors"

// ErrClosed is returned by a call that exports, sends or evaluates after
// Shutdown.
var ErrClosed = errors.New("shut down")

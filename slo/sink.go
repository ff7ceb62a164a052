package slo

import "context"

// Sink delivers alerts somewhere: a file, Alertmanager, a webhook.
//
// The processor calls Send after every evaluation, from one goroutine at a
// time, with the alerts whose state changed (started firing, or resolved) and
// every alert still firing. A sink that talks to the network must not hold
// evaluation up: it queues and retries in the background, and Send returns
// at once.
type Sink interface {
	Send(ctx context.Context, changed, firing []Alert) error
}

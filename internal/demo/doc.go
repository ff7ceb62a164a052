// Package demo is the service sloguard serve runs: the Flask app's application
// routes (items, payments, a Stripe-style webhook, health checks) with the
// counters its SLOs read, and optional fault injection (?simulate=error,
// ?simulate=slow&ms=N) for demos, load tests and alert drills.
//
// Concurrency: an App is safe for concurrent requests once registered.
package demo

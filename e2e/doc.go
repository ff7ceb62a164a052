// Package e2e holds the end-to-end tests: the sloguard binary and the real
// servers (Prometheus, Alertmanager, the Collector, Jaeger) run as
// processes on loopback, driven by the load generator, and checked through
// their files and APIs. It has no code besides the tests.
package e2e

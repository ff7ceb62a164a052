// Package alertfile is an slo.Sink that appends alerts to an NDJSON file,
// such as logs/production_alerts.ndjson: one JSON object per line for every
// alert that starts firing or is resolved.
//
// Each Send writes whole lines in one write and syncs the file before it
// returns, so a crash never leaves half an alert in the middle of the file;
// a torn last line left by an earlier crash is cut off when the file is
// opened. Alerts still firing are not written again: the file is a log of
// changes.
//
// Concurrency: a Sink is safe for concurrent use; concurrent Sends never
// interleave their lines.
//
// Lifecycle, as every exporter of the module: Shutdown (or Close) closes
// the file, and a second call returns nil; Send and ForceFlush after it
// return exporters.ErrClosed; ForceFlush has nothing to wait for, since
// every Send synced what it wrote, and returns ctx.Err() for a done ctx.
// exporters/exportertest checks all of it.
package alertfile

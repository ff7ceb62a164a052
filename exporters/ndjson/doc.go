// Package ndjson is an OpenTelemetry span exporter that writes one JSON
// object per span and per line (NDJSON) to a size-rotated file, by default
// logs/http_traces.ndjson in the sloguard service. Any OTel Go program can
// use it: pass the Exporter to sdktrace.WithBatcher.
//
// # Format
//
// Each line is a UTF-8 JSON object ending in '\n', with these fields in this
// order:
//
//	ts              span start, RFC 3339 in UTC with nanoseconds ("2025-01-02T03:04:05.123456789Z")
//	route           http.route, the route template ("/orders/{id}")
//	method          http.request.method
//	status          http.response.status_code, a number
//	duration_ms     end minus start in milliseconds, a number with up to six decimals
//	path            url.path: the URL path only
//	trace_id        32 hex digits
//	span_id         16 hex digits
//	parent_span_id  16 hex digits, "" for a root span
//	name            the span name
//	service         service.name from the span's resource
//	span_status     "ok", "error" or "unset"
//	error           the status description, only when there is one
//
// route, method, status and path are left out when the span has no such
// attribute, so a program's own (non-HTTP) spans are written too, with the
// other fields. Strings are escaped as encoding/json escapes them (HTML
// characters excepted): control characters escaped, invalid UTF-8 replaced
// by U+FFFD.
//
// # What is never written
//
// Only the attributes named above are read from a span. The query string
// never reaches the file: url.full and url.query are never read, and a path
// that somehow contains '?' is cut there. Header values (user_agent.original,
// http.request.header.*) and every other attribute, event and link are never
// written either.
//
// # Reading
//
// Read parses a trace log into Records, skipping a torn last line (the trace
// of a process killed in the middle of a write) and reporting it in
// ReadStats; an unparsable line anywhere else is an error naming its line
// number.
//
// # Durability
//
// ExportSpans writes the whole batch with one write of whole lines (more
// only when a rotation falls inside it) and returns once the operating
// system has it: a crash of the process loses nothing already exported,
// and a process killed in the middle of a write leaves at most its last
// line torn, which Read skips. The file is rotated
// by size (WithMaxSizeMB, default 100 MiB) keeping WithMaxBackups files
// (default 5) with gopkg.in/natefinch/lumberjack.v2; the exporter chooses
// when to rotate so that a line is never split between two files, and it
// fsyncs a file before rotating it. ForceFlush and Shutdown fsync the
// current file (and its directory when a file was created or renamed), so
// that the lines survive a power loss too.
//
// When a write fails (a full disk, a read-only file system, a directory that
// cannot be created), ExportSpans returns the error and drops the lines it
// could not write; a line cut short is cut back out of the file. Nothing is
// kept for a retry, so a failing disk costs no memory. If the file or its
// directory is deleted, the next export creates them again. The exporter
// counts its work with sloguard.exporter.ndjson.spans (lines written),
// sloguard.exporter.ndjson.dropped (spans not written) and
// sloguard.exporter.ndjson.errors (failed exports, flushes and shutdowns),
// reported to the MeterProvider given with WithMeterProvider.
//
// lumberjack starts one goroutine per file the first time it opens it, to
// delete old backups, and never stops it; an Exporter writing to a path
// therefore leaves that goroutine behind after Shutdown.
//
// # Concurrency
//
// The SDK calls ExportSpans from one goroutine at a time, but every method
// of Exporter is safe for concurrent use: calls are serialized, and each
// batch is written whole, never interleaved with another. ExportSpans,
// ForceFlush and Shutdown give up waiting for another call when their
// context ends. The exporter keeps no reference to the spans it is given.
//
// Lifecycle, as every exporter of the module: a second Shutdown returns
// nil; ExportSpans and ForceFlush after Shutdown return
// exporters.ErrClosed; a done ctx makes ForceFlush and Shutdown return an
// error wrapping ctx.Err(). exporters/exportertest checks all of it.
//
// Only the spans the TracerProvider's sampler records reach an exporter: with
// head sampling the file holds a sample of the requests, while the request
// metrics (and the SLOs computed from them) count every request.
package ndjson

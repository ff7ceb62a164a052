// Package sqlite is the durable slo.Store: one SQLite file (pure Go, no
// cgo) holding the SLI samples, their hourly roll-ups and the firing
// alerts.
//
// The file is in WAL mode with a busy timeout, so `sloguard check` in
// another process can read it (Open with WithReadOnly) while `sloguard
// serve` writes it: readers see whole samples, never part of one, and do
// not block the writer.
//
// Every method of Store is safe for concurrent use. The schema is
// versioned (PRAGMA user_version) and the file marked as sloguard's
// (PRAGMA application_id); a file that is not a sloguard store, is
// corrupted, or was written by a newer release is refused with an error
// naming it, and is never reset.
//
// Size: an SLO takes under 300 KB for a 30-day window, a route from tens of
// KB to about 10 MB depending on its traffic (see Store.Compact).
package sqlite

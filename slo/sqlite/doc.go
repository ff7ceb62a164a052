// Package sqlite is the durable slo.Store: one SQLite file (pure Go, no
// cgo) holding the SLI samples, their hourly roll-ups and the firing
// alerts.
//
// The file is in WAL mode with a busy timeout, so `sloguard check` in
// another process can read it (Open with WithReadOnly) while `sloguard
// serve` writes it: readers see whole samples, never part of one, and do
// not block the writer.
//
// One directory, one writer: a Store opened for writing holds an exclusive
// flock(2) on LockFile in the store's directory until Close (the kernel
// drops it when the process exits, kill -9 included), and Open fails with
// ErrLocked, naming the holder's pid, while another writer holds it.
// Read-only Stores take no lock. A new store is written beside its name
// and renamed into place, so it appears whole or not at all.
//
// Every method of Store is safe for concurrent use. The schema is
// versioned (PRAGMA user_version) and the file marked as sloguard's
// (PRAGMA application_id); a file that is not a sloguard store, is
// corrupted, or was written by a newer release is refused with an error
// naming it, and is never reset.
//
// Size: for 30-day SLOs an SLO takes about 210 KB, a route from a few
// hundred KB (quiet) to about 6 MB (300 requests a minute), 85 MB at worst
// (see Store.Compact for the bound).
//
// Files: store.go opens and closes a Store and words its errors; schema.go
// is what the file holds and how a foreign file is told apart; append.go
// writes samples; windows.go reads the counts of windows; latency.go reads
// latency histograms across the roll-ups; firing.go keeps the firing
// alerts; compact.go thins and trims old history.
package sqlite

package ndjson

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/sloguard/sloguard/exporters"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

var errNotCreated = errors.New("ndjson: Exporter not created with New")

// Buffers grown past these sizes by an unusually large batch are let go
// after it, so one burst does not pin memory for the life of the process.
const (
	maxKeptBuf  = 4 << 20
	maxKeptEnds = 1 << 16
)

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// Exporter writes spans as NDJSON lines. See the package documentation for
// the format and the durability and concurrency guarantees. Create it with
// New: the zero value refuses every call.
type Exporter struct {
	// lock is a mutex that a waiter can give up on when its context ends:
	// a send takes it, a receive releases it.
	lock    chan struct{}
	stopped atomic.Bool

	// Guarded by lock.
	closed     bool
	sink       sink
	enc        encoder
	appendSpan func(*encoder, []byte, sdktrace.ReadOnlySpan) []byte
	buf        []byte
	ends       []int

	inst instruments
	dest string
}

// New returns an Exporter writing to the destination chosen by WithPath or
// WithWriter. With WithPath the file and its directory are created now, so
// that an unusable path is reported here rather than by the first export.
func New(opts ...Option) (*Exporter, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	inst, err := newInstruments(cfg.meterProvider)
	if err != nil {
		return nil, err
	}
	e := &Exporter{
		lock:       make(chan struct{}, 1),
		appendSpan: (*encoder).appendSpan,
		inst:       inst,
	}
	if cfg.writer != nil {
		e.sink = &writerSink{w: cfg.writer}
		e.dest = fmt.Sprintf("%T", cfg.writer)
	} else {
		fs, err := newFileSink(cfg.path, cfg.maxSizeMB, cfg.maxBackups)
		if err != nil {
			return nil, err
		}
		e.sink = fs
		e.dest = fs.path
	}
	return e, nil
}

func (e *Exporter) acquire(ctx context.Context) error {
	if e.lock == nil {
		return errNotCreated
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case e.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Exporter) release() { <-e.lock }

// ExportSpans writes one line per span, the whole batch in one write of whole
// lines (more than one when a rotation falls inside it), and returns once the
// lines are with the operating system; it does not fsync (see ForceFlush).
// When a write fails, the lines not written are dropped, counted, and the
// error returned: nothing is kept to retry, so a failing disk cannot make
// the exporter grow. It does not keep spans after it returns and is safe
// for concurrent use.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.lock == nil {
		return errNotCreated
	}
	if e.stopped.Load() {
		e.inst.record(ctx, 0, len(spans), false)
		return exporters.ErrClosed
	}
	if len(spans) == 0 {
		return nil
	}
	if err := e.acquire(ctx); err != nil {
		e.inst.record(ctx, 0, len(spans), true)
		return fmt.Errorf("ndjson: export of %d spans abandoned: %w", len(spans), err)
	}
	defer e.release()
	if e.closed {
		e.inst.record(ctx, 0, len(spans), false)
		return exporters.ErrClosed
	}

	maxLine := e.sink.maxLine()
	buf, ends := e.buf[:0], e.ends[:0]
	tooLong := 0
	for _, s := range spans {
		start := len(buf)
		buf = e.appendSpan(&e.enc, buf, s)
		if maxLine > 0 && len(buf)-start > maxLine {
			buf = buf[:start]
			tooLong++
			continue
		}
		ends = append(ends, len(buf))
	}
	written, dropped := 0, 0
	var err error
	if len(ends) > 0 {
		written, dropped, err = e.sink.write(buf, ends)
	}
	if cap(buf) > maxKeptBuf {
		buf = nil
	}
	if cap(ends) > maxKeptEnds {
		ends = nil
	}
	e.buf, e.ends = buf, ends

	if tooLong > 0 {
		err = errors.Join(err, fmt.Errorf("ndjson: %d spans dropped: their line is longer than the %d-byte file size limit", tooLong, maxLine+1))
	}
	e.inst.record(ctx, written, dropped+tooLong, err != nil)
	return err
}

// ForceFlush makes every line written so far durable: it fsyncs the file
// (and its directory after a rotation), or flushes and syncs a writer that
// can be. The SDK never calls it (TracerProvider.ForceFlush only hands
// queued spans to ExportSpans); call it after that when the lines must
// survive a power loss. It gives up when ctx ends before it can start; an
// fsync already started runs to its end. After Shutdown it returns
// exporters.ErrClosed: Shutdown made everything durable already.
func (e *Exporter) ForceFlush(ctx context.Context) error {
	if e.stopped.Load() {
		return exporters.ErrClosed
	}
	if err := e.acquire(ctx); err != nil {
		return fmt.Errorf("ndjson: flush abandoned: %w", err)
	}
	defer e.release()
	if e.closed {
		return exporters.ErrClosed
	}
	if err := e.sink.sync(); err != nil {
		e.inst.record(ctx, 0, 0, true)
		return err
	}
	return nil
}

// Shutdown makes the lines written so far durable and closes the file (a
// writer given with WithWriter is flushed but not closed). From its first
// call on, ExportSpans returns exporters.ErrClosed. It waits for an export in
// progress unless ctx ends first, in which case it returns ctx's error and
// a later call finishes the job; once it has succeeded, further calls
// return nil.
func (e *Exporter) Shutdown(ctx context.Context) error {
	e.stopped.Store(true)
	if err := e.acquire(ctx); err != nil {
		return fmt.Errorf("ndjson: shutdown abandoned: %w", err)
	}
	defer e.release()
	if e.closed {
		return nil
	}
	e.closed = true
	written, dropped, err := e.sink.close()
	e.buf, e.ends = nil, nil
	e.inst.record(ctx, written, dropped, err != nil)
	return err
}

// MarshalLog is how the OTel logging (logr) shows the exporter.
func (e *Exporter) MarshalLog() any {
	return struct {
		Type        string
		Destination string
	}{Type: "ndjson", Destination: e.dest}
}

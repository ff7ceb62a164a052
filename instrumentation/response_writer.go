package instrumentation

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/felixge/httpsnoop"
)

// statusWriter keeps the status code of a response that does not go through
// otelhttp (an unsampled request), for the duration metric. It reads the
// status as otelhttp does: 200 unless the handler wrote another first,
// informational codes other than 101 not counting.
//
// Like any wrapper it must not hide what the writer it wraps can do
// (flush, hijack, sendfile through ReadFrom): a handler that streams or
// upgrades a connection asserts those interfaces. net/http's HTTP/1 writer,
// which nearly every request meets, has a wrapper type of its own with all
// of them, so wrapping it allocates nothing (it lives in the request's
// state); any other writer is wrapped by httpsnoop, which keeps exactly the
// interfaces the writer has.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) reset(rw http.ResponseWriter) {
	w.ResponseWriter, w.status, w.wrote = rw, http.StatusOK, false
}

func (w *statusWriter) writeHeader(code int) {
	if !w.wrote && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		w.wrote, w.status = true, code
	}
}

func (w *statusWriter) WriteHeader(code int) {
	w.writeHeader(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// http1Writer is net/http's HTTP/1 response writer, which implements all of
// these.
type http1Writer interface {
	http.ResponseWriter
	http.Flusher
	http.Hijacker
	io.ReaderFrom
	io.StringWriter
	//lint:ignore SA1019 kept for handlers that still ask for it, as httpsnoop keeps it
	http.CloseNotifier
}

// http1StatusWriter is statusWriter over an http1Writer.
type http1StatusWriter struct {
	statusWriter
}

var _ http1Writer = (*http1StatusWriter)(nil)

func (w *http1StatusWriter) inner() http1Writer { return w.ResponseWriter.(http1Writer) }

func (w *http1StatusWriter) WriteString(s string) (int, error) {
	w.wrote = true
	return w.inner().WriteString(s)
}

func (w *http1StatusWriter) ReadFrom(r io.Reader) (int64, error) {
	w.wrote = true
	return w.inner().ReadFrom(r)
}

func (w *http1StatusWriter) Flush() {
	w.wrote = true
	w.inner().Flush()
}

func (w *http1StatusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.inner().Hijack()
}

func (w *http1StatusWriter) CloseNotify() <-chan bool {
	return w.inner().CloseNotify()
}

// wrapStatus returns the writer the handler is given and the statusWriter
// that keeps the status; sw is storage the caller provides.
func wrapStatus(rw http.ResponseWriter, sw *http1StatusWriter) (http.ResponseWriter, *statusWriter) {
	sw.reset(rw)
	if _, ok := rw.(http1Writer); ok {
		return sw, &sw.statusWriter
	}
	s := &sw.statusWriter
	return httpsnoop.Wrap(rw, httpsnoop.Hooks{
		WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
			return func(code int) { s.writeHeader(code); next(code) }
		},
		Write: func(next httpsnoop.WriteFunc) httpsnoop.WriteFunc {
			return func(b []byte) (int, error) { s.wrote = true; return next(b) }
		},
		ReadFrom: func(next httpsnoop.ReadFromFunc) httpsnoop.ReadFromFunc {
			return func(r io.Reader) (int64, error) { s.wrote = true; return next(r) }
		},
		Flush: func(next httpsnoop.FlushFunc) httpsnoop.FlushFunc {
			return func() { s.wrote = true; next() }
		},
	}), s
}

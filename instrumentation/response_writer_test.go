package instrumentation_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sloguard/sloguard/instrumentation"
)

// writerAbilities is what a handler finds its ResponseWriter can do.
type writerAbilities struct {
	flusher, hijacker, readerFrom, stringWriter bool
}

func abilitiesOf(w http.ResponseWriter) writerAbilities {
	_, f := w.(http.Flusher)
	_, h := w.(http.Hijacker)
	_, r := w.(io.ReaderFrom)
	_, s := w.(io.StringWriter)
	return writerAbilities{f, h, r, s}
}

// unsampledHandler serves r behind providers that sample nothing, so that
// every request takes the path that wraps the writer itself.
func unsampledHandler(t *testing.T, r *mux.Router) (*instrumentation.Providers, http.Handler) {
	t.Helper()
	p, err := instrumentation.New(context.Background(),
		instrumentation.WithoutRuntimeMetrics(),
		instrumentation.WithSampler(sdktrace.NeverSample()),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p, p.Handler(r)
}

// A handler behind the instrumentation must find the writer able to do all
// that the server's writer can: stream, hijack, send a file.
func TestTheWriterKeepsWhatTheServersWriterCanDo(t *testing.T) {
	var direct, wrapped writerAbilities
	r := mux.NewRouter()
	r.HandleFunc("/abilities", func(w http.ResponseWriter, _ *http.Request) { wrapped = abilitiesOf(w) })
	r.HandleFunc("/upgrade", func(w http.ResponseWriter, _ *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\nhello")
		rw.Flush()
	})
	r.HandleFunc("/file", func(w http.ResponseWriter, _ *http.Request) {
		io.Copy(w, strings.NewReader("from a reader")) // ReadFrom when the writer has it
	})
	_, h := unsampledHandler(t, r)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		direct = abilitiesOf(w)
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)

	get := func(path string) *http.Response {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	get("/abilities")
	if wrapped != direct {
		t.Errorf("the handler's writer can do %+v, the server's %+v", wrapped, direct)
	}
	if !direct.hijacker || !direct.readerFrom {
		t.Fatalf("the server's writer can do only %+v: the test expects net/http's HTTP/1 writer", direct)
	}

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /upgrade HTTP/1.1\r\nHost: test\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Errorf("upgrade answered %d", res.StatusCode)
	}

	if body, _ := io.ReadAll(get("/file").Body); string(body) != "from a reader" {
		t.Errorf("file route sent %q", body)
	}
}

// A writer other than net/http's HTTP/1 one (here httptest's recorder,
// which can flush but not hijack) keeps exactly what it can do, and the
// status is still read from it.
func TestAnotherWriterKeepsExactlyWhatItCanDo(t *testing.T) {
	var got writerAbilities
	r := mux.NewRouter()
	r.HandleFunc("/stream", func(w http.ResponseWriter, _ *http.Request) {
		got = abilitiesOf(w)
		w.WriteHeader(http.StatusPartialContent)
		io.WriteString(w, "part")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush through ResponseController: %v", err)
		}
	})
	p, h := unsampledHandler(t, r)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/stream", nil))
	if want := abilitiesOf(rec); got != want {
		t.Errorf("the handler's writer can do %+v, the recorder %+v", got, want)
	}
	if !rec.Flushed || rec.Code != http.StatusPartialContent {
		t.Errorf("recorder flushed %v with status %d", rec.Flushed, rec.Code)
	}
	ms := series(t, p)["http_server_request_duration_seconds"]
	if len(ms) != 1 || label(ms[0], "http_response_status_code") != "206" {
		t.Errorf("duration series %v, want one with status 206", ms)
	}
}

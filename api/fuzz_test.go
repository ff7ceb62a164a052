package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/sloguard/sloguard/slo"
)

// FuzzLatencyQuery sends the latency endpoint arbitrary query strings
// (seeds in testdata/fuzz/FuzzLatencyQuery), through the real handler with
// the right key. The answer is 200 with a window in range and a printable
// route, or 400 with a JSON error naming the query parameter at fault:
// never a panic, a 500 or an engine call with a bad argument.
func FuzzLatencyQuery(f *testing.F) {
	f.Add("window=7d&route=%2Fapi%2Fitems%2F%7Bid%7D")
	eng := newTestEngine(true)
	srv, err := New(Config{Engine: eng, Key: []byte(testKey)})
	if err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, rawQuery string) {
		req := httptest.NewRequest(http.MethodGet, PathLatency, nil)
		req.URL.RawQuery = rawQuery
		req.RemoteAddr = "192.0.2.7:1234"
		req.Header.Set(KeyHeader, testKey)
		_, _, before := eng.lastLatencyCall()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		w, route, calls := eng.lastLatencyCall()
		called := calls > before
		switch rec.Code {
		case http.StatusOK:
			if !called {
				t.Fatalf("200 for %q without asking the engine", rawQuery)
			}
			if w < MinLatencyWindow || w > DefaultMaxWindow {
				t.Fatalf("query %q reached the engine with window %v, out of [%v, %v]", rawQuery, w, MinLatencyWindow, DefaultMaxWindow)
			}
			if len(route) > maxRouteParameterLength || !utf8.ValidString(route) || strings.IndexFunc(route, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
				t.Fatalf("query %q reached the engine with route %q", rawQuery, route)
			}
			var sum slo.LatencySummary
			if err := json.Unmarshal(rec.Body.Bytes(), &sum); err != nil {
				t.Fatalf("200 for %q is not a latency summary: %v: %s", rawQuery, err, rec.Body.String())
			}
			if sum.Window != slo.WindowName(w) || sum.Route != route {
				t.Fatalf("query %q: answer for window %q route %q, engine asked for %v %q", rawQuery, sum.Window, sum.Route, w, route)
			}
		case http.StatusBadRequest:
			if called {
				t.Fatalf("400 for %q after asking the engine", rawQuery)
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body) != 1 {
				t.Fatalf("400 for %q is not a JSON error: %s", rawQuery, rec.Body.String())
			}
			msg := body["error"]
			if !strings.Contains(msg, "query") {
				t.Fatalf("400 for %q does not say what in the query is wrong: %q", rawQuery, msg)
			}
			if !utf8.ValidString(msg) || len(msg) > 1024 {
				t.Fatalf("400 for %q: an error of %d bytes, valid UTF-8 %v", rawQuery, len(msg), utf8.ValidString(msg))
			}
		default:
			t.Fatalf("query %q: status %d: %s", rawQuery, rec.Code, rec.Body.String())
		}
	})
}

package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
	"github.com/sloguard/sloguard/slo/storetest"
)

// oneHourProcessor is a real processor for a service whose only SLO has a
// 1-hour window, over an empty in-memory store.
func oneHourProcessor(t *testing.T) *slo.Processor {
	t.Helper()
	spec, err := slospec.Parse("hour.yaml", []byte(`version: sloguard/v1
service: hourly
slos:
  - name: availability
    objective: 99
    window: 1h
    sli:
      availability: {}
`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := slo.NewProcessor(slo.Config{Spec: spec, Store: storetest.NewMemStore()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A service whose SLOs span an hour must not get a 500 from its own
// dashboard's latency button: with no MaxWindow the API asks the engine for
// the windows it answers.
func TestTheLatencyWindowsComeFromTheEngine(t *testing.T) {
	srv, err := New(Config{Engine: oneHourProcessor(t), Key: []byte(testKey)})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	srv.Register(r)
	for _, tc := range []struct {
		name, target string
		want         int
		body         string
	}{
		{"the default window is the longest SLO window", PathLatency, http.StatusOK, `"window":"1h"`},
		{"a window within the SLOs is answered", PathLatency + "?window=30m", http.StatusOK, `"window":"30m"`},
		{"a window past the SLOs is the client's error", PathLatency + "?window=24h", http.StatusBadRequest, "from 1m to 1h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			req.Header.Set(KeyHeader, testKey)
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("status %d body %s, want %d with %s", rec.Code, rec.Body, tc.want, tc.body)
			}
		})
	}
}

func TestAMaxWindowPastTheEnginesIsRefused(t *testing.T) {
	_, err := New(Config{Engine: oneHourProcessor(t), Key: []byte(testKey), MaxWindow: 24 * time.Hour})
	if err == nil || !strings.Contains(err.Error(), "Config.MaxWindow is 1d: the engine answers windows up to 1h") {
		t.Errorf("New with MaxWindow 24h over a 1h engine: %v, want the MaxWindow refused", err)
	}
}

func TestKeysShorterThanTheMinimumAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  string
		want string
	}{
		{"an empty key", "", "empty"},
		{"a key one character short", strings.Repeat("k", MinKeyLength-1), "is 15 characters long; want at least 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Engine: newTestEngine(true), Key: []byte(tc.key)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an error containing %q", err, tc.want)
			}
			if tc.key != "" && strings.Contains(err.Error(), tc.key) {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
	if err := CheckKey([]byte(strings.Repeat("k", MinKeyLength))); err != nil {
		t.Errorf("a key of exactly %d characters: %v", MinKeyLength, err)
	}
}

package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/sloguard/sloguard/slo"
)

func TestAPIAnswers(t *testing.T) {
	const addr = "192.0.2.10"
	tests := []struct {
		name       string
		method     string
		target     string
		key        string
		noReport   bool
		wantStatus int
		wantError  string // substring of the error message
		wantHeader map[string]string
	}{
		{
			name: "a report request without a key is refused with a hint", method: "GET", target: PathReport,
			wantStatus: 401, wantError: "missing X-Dash-Key header",
			wantHeader: map[string]string{"WWW-Authenticate": `X-Dash-Key realm="sloguard"`},
		},
		{
			name: "a report request with a wrong key is refused with a hint", method: "GET", target: PathReport, key: "not-the-key",
			wantStatus: 401, wantError: "wrong dashboard key",
			wantHeader: map[string]string{"WWW-Authenticate": `X-Dash-Key realm="sloguard"`},
		},
		{
			name: "a check without a key is refused before evaluating", method: "POST", target: PathCheck,
			wantStatus: 401, wantError: "X-Dash-Key",
		},
		{
			name: "a latency request with a wrong key is refused before parsing the window", method: "GET",
			target: PathLatency + "?window=garbage", key: testKey + "x", wantStatus: 401, wantError: "wrong dashboard key",
		},
		{
			name: "an unknown path asks for the key before saying it does not exist", method: "GET",
			target: "/api/observability/nope", wantStatus: 401, wantError: "X-Dash-Key",
		},
		{
			name: "an unknown path under the API is a JSON 404", method: "GET", target: "/api/observability/nope",
			key: testKey, wantStatus: 404, wantError: "no such endpoint",
		},
		{
			name: "a path below an endpoint is a JSON 404", method: "GET", target: "/api/observability/slo/check/now",
			key: testKey, wantStatus: 404, wantError: "no such endpoint",
		},
		{
			name: "the API root is a JSON 404", method: "GET", target: "/api/observability",
			key: testKey, wantStatus: 404, wantError: "no such endpoint",
		},
		{
			name: "POST on the report is a 405 that allows GET", method: "POST", target: PathReport, key: testKey,
			wantStatus: 405, wantError: `method "POST" is not allowed on /api/observability/slo`,
			wantHeader: map[string]string{"Allow": "GET"},
		},
		{
			name: "GET on the check is a 405 that allows POST", method: "GET", target: PathCheck, key: testKey,
			wantStatus: 405, wantError: "use POST", wantHeader: map[string]string{"Allow": "POST"},
		},
		{
			name: "DELETE on the latency is a 405 that allows GET", method: "DELETE", target: PathLatency, key: testKey,
			wantStatus: 405, wantError: "use GET", wantHeader: map[string]string{"Allow": "GET"},
		},
		{
			name: "the report before the first evaluation is a JSON 503", method: "GET", target: PathReport, key: testKey,
			noReport: true, wantStatus: 503, wantError: "no SLO evaluation has run yet",
		},
		{
			name: "a query parameter on the report is refused by name", method: "GET", target: PathReport + "?verbose=1",
			key: testKey, wantStatus: 400, wantError: `unknown query parameter "verbose": /api/observability/slo takes no query parameter`,
		},
		{
			name: "an unknown latency parameter is refused by name", method: "GET", target: PathLatency + "?window=1h&foo=bar",
			key: testKey, wantStatus: 400, wantError: `unknown query parameter "foo"`,
		},
		{
			name: "a window given twice is refused", method: "GET", target: PathLatency + "?window=1h&window=2h",
			key: testKey, wantStatus: 400, wantError: "window is given 2 times",
		},
		{
			name: "a malformed query string is refused", method: "GET", target: PathLatency + "?window=%zz",
			key: testKey, wantStatus: 400, wantError: "malformed query string",
		},
		{
			name: "a route with a control character is refused by name", method: "GET", target: PathLatency + "?route=%2Fa%01b",
			key: testKey, wantStatus: 400, wantError: "query parameter route:",
		},
		{
			name: "an overlong route is refused by name", method: "GET", target: PathLatency + "?route=/" + strings.Repeat("a", 300),
			key: testKey, wantStatus: 400, wantError: "query parameter route:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, !tt.noReport, nil)
			rec := h.do(tt.method, tt.target, tt.key, addr)
			must(t, rec, tt.wantStatus)
			msg := errorMessage(t, rec)
			if !strings.Contains(msg, tt.wantError) {
				t.Errorf("error = %q, want it to contain %q", msg, tt.wantError)
			}
			for k, v := range tt.wantHeader {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tt.wantStatus == 401 || tt.wantStatus == 405 || tt.wantStatus == 404 {
				if h.eng.evaluated() != 0 {
					t.Errorf("the engine evaluated %d times on a refused request", h.eng.evaluated())
				}
				if _, _, n := h.eng.lastLatencyCall(); n != 0 {
					t.Errorf("the engine was asked for latency %d times on a refused request", n)
				}
			}
		})
	}
}

func TestReportIsTheEnginesLatest(t *testing.T) {
	h := newHarness(t, true, nil)
	rec := h.do("GET", PathReport, testKey, "192.0.2.1")
	must(t, rec, 200)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store: reports must not be cached by proxies", cc)
	}
	var got slo.Report
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want, _ := h.eng.Report()
	if !got.TS.Equal(want.TS) || got.OverallStatus != want.OverallStatus || len(got.SLOs) != len(want.SLOs) || len(got.Firing) != len(want.Firing) {
		t.Fatalf("served report %+v differs from the engine's %+v", got, want)
	}
	for name, w := range want.SLOs {
		g := got.SLOs[name]
		if g.Status != w.Status || g.ErrorBudget.RemainingPct != w.ErrorBudget.RemainingPct {
			t.Errorf("slo %s: served status %s remaining %v, engine has %s %v", name, g.Status, g.ErrorBudget.RemainingPct, w.Status, w.ErrorBudget.RemainingPct)
		}
	}
}

func TestCheckEvaluatesNow(t *testing.T) {
	h := newHarness(t, false, nil)
	must(t, h.do("GET", PathReport, testKey, "192.0.2.1"), 503)

	rec := h.do("POST", PathCheck, testKey, "192.0.2.1")
	must(t, rec, 200)
	var checked slo.Report
	if err := json.Unmarshal(rec.Body.Bytes(), &checked); err != nil {
		t.Fatal(err)
	}
	if h.eng.evaluated() != 1 {
		t.Fatalf("engine evaluated %d times, want 1", h.eng.evaluated())
	}
	if want := baseTS.Add(15 * time.Minute); !checked.TS.Equal(want) {
		t.Errorf("check returned the report of %s, want the fresh one of %s", checked.TS, want)
	}

	rec = h.do("GET", PathReport, testKey, "192.0.2.1")
	must(t, rec, 200)
	var latest slo.Report
	if err := json.Unmarshal(rec.Body.Bytes(), &latest); err != nil {
		t.Fatal(err)
	}
	if !latest.TS.Equal(checked.TS) {
		t.Errorf("after a check the report is of %s, want %s", latest.TS, checked.TS)
	}
}

func TestLatencyWindows(t *testing.T) {
	tests := []struct {
		name       string
		query      string
		maxWindow  time.Duration
		wantWindow time.Duration
		wantRoute  string
	}{
		{name: "no window means the last 24 hours", query: "", wantWindow: 24 * time.Hour},
		{name: "no window is capped to a shorter maximum", query: "", maxWindow: 6 * time.Hour, wantWindow: 6 * time.Hour},
		{name: "one minute is the shortest window", query: "?window=1m", wantWindow: time.Minute},
		{name: "Go durations are accepted", query: "?window=1h30m", wantWindow: 90 * time.Minute},
		{name: "days are accepted", query: "?window=7d", wantWindow: 7 * 24 * time.Hour},
		{name: "fractional days are accepted", query: "?window=1.5d", wantWindow: 36 * time.Hour},
		{name: "days and hours combine", query: "?window=1d12h", wantWindow: 36 * time.Hour},
		{name: "weeks are accepted, as in spec files", query: "?window=1w", wantWindow: 7 * 24 * time.Hour},
		{name: "the longest SLO window is the longest latency window", query: "?window=30d", wantWindow: 30 * 24 * time.Hour},
		{name: "a route is passed to the engine", query: "?window=24h&route=%2Fapi%2Fpayments", wantWindow: 24 * time.Hour, wantRoute: "/api/payments"},
		{name: "an empty route means every route", query: "?route=", wantWindow: 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, true, func(c *Config) { c.MaxWindow = tt.maxWindow })
			rec := h.do("GET", PathLatency+tt.query, testKey, "192.0.2.1")
			must(t, rec, 200)
			window, route, calls := h.eng.lastLatencyCall()
			if calls != 1 || window != tt.wantWindow || route != tt.wantRoute {
				t.Fatalf("engine asked %d times for window %s route %q, want once for %s %q", calls, window, route, tt.wantWindow, tt.wantRoute)
			}
			var sum slo.LatencySummary
			if err := json.Unmarshal(rec.Body.Bytes(), &sum); err != nil {
				t.Fatal(err)
			}
			if sum.Window != slo.WindowName(tt.wantWindow) || len(sum.Recent60) != 60 || sum.P95MS == nil {
				t.Errorf("served summary %+v, want window %s with 60 recent durations and a p95", sum, slo.WindowName(tt.wantWindow))
			}
		})
	}
}

func TestLatencyRefusesBadWindows(t *testing.T) {
	tests := []struct {
		name   string
		window string
		want   string
	}{
		{"zero is out of range", "0", "out of range"},
		{"zero hours is out of range", "0h", "out of range"},
		{"a negative duration is out of range", "-1h", "out of range"},
		{"negative days are out of range", "-2d", "out of range"},
		{"garbage is not a duration", "abc", "is not a duration"},
		{"an empty window is not a duration", "", "is not a duration"},
		{"a number without a unit is not a duration", "24", "is not a duration"},
		{"an explicit plus sign is not a duration", "+1h", "is not a duration"},
		{"exponents are not durations", "1e3d", "is not a duration"},
		{"a negative part after days is not a duration", "1d-2h", "is not a duration"},
		{"a lone d is not a duration", "d", "is not a duration"},
		{"two decimal points are not a duration", "1.2.3d", "is not a duration"},
		{"spaces are not a duration", " 24h", "is not a duration"},
		{"nanoseconds are not a unit of windows", "720h1ns", "is not a duration"},
		{"longer than the longest SLO window is out of range", "31d", "must be from 1m to 30d"},
		{"one millisecond past the maximum is out of range", "720h1ms", "out of range"},
		{"shorter than a minute is out of range", "30s", "must be from 1m to 30d"},
		{"59 seconds is out of range", "59s", "out of range"},
		{"an absurd day count is refused", "99999999999999999999d", "too long"},
		{"an absurd sum is refused", "106751d23h48m", "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, true, nil)
			rec := h.do("GET", PathLatency+"?window="+urlEscape(tt.window), testKey, "192.0.2.1")
			must(t, rec, 400)
			msg := errorMessage(t, rec)
			if !strings.HasPrefix(msg, "query parameter window: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error = %q, want it to name the window parameter and say %q", msg, tt.want)
			}
			if _, _, n := h.eng.lastLatencyCall(); n != 0 {
				t.Errorf("the engine was asked for a bad window")
			}
		})
	}
}

func urlEscape(s string) string {
	return strings.NewReplacer("%", "%25", "+", "%2B", " ", "%20", "&", "%26", "#", "%23").Replace(s)
}

func TestEngineFailuresAreJSON500s(t *testing.T) {
	h := newHarness(t, true, nil)
	h.eng.evalErr = errors.New("store: database is locked")
	h.eng.latErr = errors.New("store: no such table")

	rec := h.do("POST", PathCheck, testKey, "192.0.2.1")
	must(t, rec, 500)
	if msg := errorMessage(t, rec); msg != "SLO evaluation failed: store: database is locked" {
		t.Errorf("error = %q", msg)
	}
	rec = h.do("GET", PathLatency, testKey, "192.0.2.1")
	must(t, rec, 500)
	if msg := errorMessage(t, rec); msg != "latency summary failed: store: no such table" {
		t.Errorf("error = %q", msg)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "database is locked") || !strings.Contains(logs, "no such table") {
		t.Errorf("engine failures not logged: %s", logs)
	}
}

func TestEveryPathHasABoundedRouteTemplate(t *testing.T) {
	h := newHarness(t, true, nil)
	tests := []struct{ path, template string }{
		{PathReport, "/api/observability/slo"},
		{PathCheck, "/api/observability/slo/check"},
		{PathLatency, "/api/observability/latency"},
		{"/api/observability", "/api/observability"},
		{"/api/observability/made-up/1234", "/api/observability/"},
		{"/api/observability/slo/another/made-up/path", "/api/observability/"},
		{PathDashboard, "/dashboard"},
		{"/dashboard/dashboard.js", "/dashboard/"},
		{"/dashboard/made-up.png", "/dashboard/"},
	}
	for _, tt := range tests {
		var m mux.RouteMatch
		if !h.router.Match(httptest.NewRequest("GET", tt.path, nil), &m) {
			t.Errorf("%s matches no route", tt.path)
			continue
		}
		if got, err := m.Route.GetPathTemplate(); err != nil || got != tt.template {
			t.Errorf("%s: route template %q (%v), want %q", tt.path, got, err, tt.template)
		}
	}
}

func TestHandlerServesWithoutAnOwnRouter(t *testing.T) {
	h := newHarness(t, true, nil)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", PathReport, nil)
	req.Header.Set(KeyHeader, testKey)
	h.srv.Handler().ServeHTTP(rec, req)
	must(t, rec, http.StatusOK)
}

func TestUnencodableReportIsAJSON500(t *testing.T) {
	h := newHarness(t, true, nil)
	h.eng.mu.Lock()
	s := h.eng.report.SLOs["availability"]
	s.ActualPct = ptr(math.NaN())
	h.eng.report.SLOs["availability"] = s
	h.eng.mu.Unlock()
	rec := h.do("GET", PathReport, testKey, "192.0.2.1")
	must(t, rec, 500)
	if msg := errorMessage(t, rec); !strings.Contains(msg, "encoding the response") || !strings.Contains(msg, "NaN") {
		t.Errorf("error = %q, want it to say the report could not be encoded and why", msg)
	}
}

func TestQueryChecksCoverEveryEndpoint(t *testing.T) {
	h := newHarness(t, true, nil)
	rec := h.do("POST", PathCheck+"?force=1", testKey, "192.0.2.1")
	must(t, rec, 400)
	if msg := errorMessage(t, rec); !strings.Contains(msg, `unknown query parameter "force": /api/observability/slo/check takes no query parameter`) {
		t.Errorf("error = %q", msg)
	}
	if h.eng.evaluated() != 0 {
		t.Error("a refused check evaluated the SLOs")
	}
	rec = h.do("GET", PathLatency+"?route=%FF", testKey, "192.0.2.1")
	must(t, rec, 400)
	if msg := errorMessage(t, rec); !strings.Contains(msg, "not valid UTF-8") {
		t.Errorf("error = %q", msg)
	}
}

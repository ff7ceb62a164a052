package promsource_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/promsource"
)

var availability = slo.SLO{Name: "availability", Objective: 0.999, Window: 30 * slo.Day,
	SLI: slo.SLI{Kind: slo.KindAvailability, Routes: []string{"/api/items/{id}"}}}

func newSource(t *testing.T, opts ...promsource.Option) *promsource.Source {
	t.Helper()
	src, err := promsource.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func TestNewRefusesWhatCannotBeAPrometheusURL(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []promsource.Option
		want []string // every part must be in the error
		not  []string // no part may be
	}{
		{"no URL at all", nil, []string{"WithURL is required"}, nil},
		{"a URL without scheme", []promsource.Option{promsource.WithURL("127.0.0.1:9090")}, []string{"http or https"}, nil},
		{"an ftp URL", []promsource.Option{promsource.WithURL("ftp://prom:9090")}, []string{"ftp://prom:9090", "http or https"}, nil},
		{"a URL without host", []promsource.Option{promsource.WithURL("http:///api")}, []string{"no host"}, nil},
		{"a URL with a query string", []promsource.Option{promsource.WithURL("http://prom:9090/?token=abc")}, []string{"query string"}, []string{"abc"}},
		{"a URL with a fragment", []promsource.Option{promsource.WithURL("http://prom:9090/#top")}, []string{"fragment"}, nil},
		{"a URL that does not parse, with a password", []promsource.Option{promsource.WithURL("http://bob:s3cret@prom:port/")}, []string{"not a URL"}, []string{"s3cret"}},
		{"a bad URL with credentials", []promsource.Option{promsource.WithURL("ftp://bob:s3cret@prom/")}, []string{"http or https"}, []string{"s3cret", "bob"}},
		{"credentials in a URL without //", []promsource.Option{promsource.WithURL("bob:s3cret@prom:9090")}, []string{"//"}, []string{"s3cret", "bob"}},
		{"credentials after a scheme without //", []promsource.Option{promsource.WithURL("https:bob:s3cret@prom")}, []string{"//"}, []string{"s3cret", "bob"}},
		{"credentials after a single slash", []promsource.Option{promsource.WithURL("http:/bob:s3cret@prom")}, []string{"no host"}, []string{"s3cret", "bob"}},
		{"a bad escape in a password", []promsource.Option{promsource.WithURL("http://bob:s3%zz@prom:9090")}, []string{"not a URL"}, []string{"s3", "%zz", "bob"}},
		{"a negative timeout", []promsource.Option{promsource.WithURL("http://prom:9090"), promsource.WithTimeout(-time.Second)}, []string{"WithTimeout", "-1s"}, nil},
		{"a nil HTTP client", []promsource.Option{promsource.WithURL("http://prom:9090"), promsource.WithHTTPClient(nil)}, []string{"WithHTTPClient"}, nil},
		{"a matcher without quotes", []promsource.Option{promsource.WithURL("http://prom:9090"), promsource.WithMatchers("region=eu")}, []string{"region=eu", "double quotes"}, nil},
		{"a matcher on le", []promsource.Option{promsource.WithURL("http://prom:9090"), promsource.WithMatchers(`le="0.4"`)}, []string{`"le"`}, nil},
		{"a matcher with a bad regex", []promsource.Option{promsource.WithURL("http://prom:9090"), promsource.WithMatchers(`region=~"eu-("`)}, []string{"regular expression"}, nil},
		{"every problem at once", []promsource.Option{promsource.WithTimeout(0), promsource.WithMatchers("x")}, []string{"WithURL is required", "WithTimeout", "WithMatchers"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := promsource.New(tc.opts...)
			if err == nil {
				src.Close()
				t.Fatal("New accepted it")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error %q shows %q", err, n)
				}
			}
		})
	}
}

func TestParseMatcherReadsPromQLMatchers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want promsource.Matcher
	}{
		{`region="eu"`, promsource.Matcher{Label: "region", Op: "=", Value: "eu"}},
		{` cluster =~ "eu-.*" `, promsource.Matcher{Label: "cluster", Op: "=~", Value: "eu-.*"}},
		{`env!="staging"`, promsource.Matcher{Label: "env", Op: "!=", Value: "staging"}},
		{`pod!~"canary-\\d+"`, promsource.Matcher{Label: "pod", Op: "!~", Value: `canary-\d+`}},
		{`team="a \"quoted\" name"`, promsource.Matcher{Label: "team", Op: "=", Value: `a "quoted" name`}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := promsource.ParseMatcher(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			// What it prints reads back the same.
			again, err := promsource.ParseMatcher(got.String())
			if err != nil || again != got {
				t.Fatalf("%s reads back as %+v, %v", got, again, err)
			}
		})
	}
}

// prometheusStandIn answers every request with handler and records the
// requests it saw: the edges of a real Prometheus that a test cannot
// provoke (a proxy's error page, a hung server).
type prometheusStandIn struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newStandIn(t *testing.T, handler http.HandlerFunc) *prometheusStandIn {
	s := &prometheusStandIn{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(context.Background()))
		s.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *prometheusStandIn) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

func TestCountsErrorsNameTheQueryAndTheServer(t *testing.T) {
	ctx := context.Background()
	to := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	from := to.Add(-5 * time.Minute)
	wantQuery := func(t *testing.T, src *promsource.Source, err error) {
		t.Helper()
		q, qerr := src.Queries(availability, 5*time.Minute)
		if qerr != nil {
			t.Fatal(qerr)
		}
		if !strings.Contains(err.Error(), q.Total) {
			t.Errorf("error %q does not quote the query %s", err, q.Total)
		}
		if !strings.Contains(err.Error(), src.URL()) {
			t.Errorf("error %q does not name the server %s", err, src.URL())
		}
		var qe *promsource.QueryError
		if !errors.As(err, &qe) {
			t.Errorf("error %q is not a *QueryError", err)
		}
	}

	t.Run("an unreachable server is a connection error", func(t *testing.T) {
		src := newSource(t, promsource.WithURL(fmt.Sprintf("http://127.0.0.1:%d", proctest.FreePort(t))))
		_, err := src.Counts(ctx, availability, from, to)
		if err == nil {
			t.Fatal("no error from a server nobody runs")
		}
		if !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("error %q does not say the connection was refused", err)
		}
		wantQuery(t, src, err)
	})

	t.Run("a 500 with a text body gives the status and the body's first line, never the password", func(t *testing.T) {
		s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "upstream exploded\nstack trace follows", http.StatusInternalServerError)
		})
		u := strings.Replace(s.URL, "http://", "http://alice:s3cret@", 1)
		src := newSource(t, promsource.WithURL(u))
		_, err := src.Counts(ctx, availability, from, to)
		if err == nil {
			t.Fatal("no error from a server answering 500")
		}
		for _, w := range []string{"HTTP 500 Internal Server Error", "upstream exploded"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not say %q", err, w)
			}
		}
		for _, n := range []string{"s3cret", "alice", "stack trace"} {
			if strings.Contains(err.Error(), n) {
				t.Errorf("error %q shows %q", err, n)
			}
		}
		wantQuery(t, src, err)
		reqs := s.requests()
		if len(reqs) != 1 {
			t.Fatalf("the server saw %d requests, want 1", len(reqs))
		}
		if user, pass, ok := reqs[0].BasicAuth(); !ok || user != "alice" || pass != "s3cret" {
			t.Errorf("the credentials of the URL were not sent as basic auth (got %q %q %v)", user, pass, ok)
		}
		if reqs[0].URL.Path != "/api/v1/query" {
			t.Errorf("request path %s, want /api/v1/query", reqs[0].URL.Path)
		}
		if got := reqs[0].URL.Query().Get("time"); got != fmt.Sprintf("%d.000", to.Unix()) {
			t.Errorf("query time %s, want the end of the window %d.000", got, to.Unix())
		}
	})

	t.Run("an answer that is not the API's JSON is an error, not zero", func(t *testing.T) {
		s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>login required</html>")
		})
		src := newSource(t, promsource.WithURL(s.URL+"/prometheus/"))
		_, err := src.Counts(ctx, availability, from, to)
		if err == nil || !strings.Contains(err.Error(), "not the JSON of the Prometheus API") || !strings.Contains(err.Error(), "login required") {
			t.Fatalf("got %v, want an error saying the answer is not the API's JSON, with the body", err)
		}
		wantQuery(t, src, err)
		if p := s.requests()[0].URL.Path; p != "/prometheus/api/v1/query" {
			t.Errorf("request path %s, want the API under the base URL's path", p)
		}
	})

	t.Run("a server that does not answer in time is a timeout", func(t *testing.T) {
		s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		})
		src := newSource(t, promsource.WithURL(s.URL), promsource.WithTimeout(200*time.Millisecond))
		_, err := src.Counts(ctx, availability, from, to)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want a deadline exceeded", err)
		}
		if !strings.Contains(err.Error(), "no answer within 200ms") {
			t.Errorf("error %q does not say how long it waited", err)
		}
		wantQuery(t, src, err)
		if got := s.requests()[0].URL.Query().Get("timeout"); got != "200ms" {
			t.Errorf("Prometheus was told timeout %q, want 200ms", got)
		}
	})

	t.Run("a cancelled context is returned as such", func(t *testing.T) {
		s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		src := newSource(t, promsource.WithURL(s.URL))
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := src.Counts(cctx, availability, from, to)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}

func TestCountsOfAnEmptyOrBackwardWindow(t *testing.T) {
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no query expected", http.StatusTeapot)
	})
	src := newSource(t, promsource.WithURL(s.URL))
	to := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c, err := src.Counts(context.Background(), availability, to, to)
	if err != nil || c != (slo.Counts{}) {
		t.Fatalf("a zero-length window gave %+v, %v; want no events and no error", c, err)
	}
	if _, err := src.Counts(context.Background(), availability, to, to.Add(-time.Minute)); err == nil || !strings.Contains(err.Error(), "ends before it starts") {
		t.Fatalf("a backward window gave %v, want an error saying so", err)
	}
	if n := len(s.requests()); n != 0 {
		t.Fatalf("%d queries sent for windows that need none", n)
	}
}

// TestCountsReadsTheAPIsValues feeds the answers the Prometheus API gives
// in the cases a live server cannot be made to produce on demand (NaN from
// a query of the spec's, a scalar, a non-counting value).
func TestCountsReadsTheAPIsValues(t *testing.T) {
	vector := func(v string) string {
		return `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1772366400,"` + v + `"]}]}}`
	}
	scalar := func(v string) string {
		return `{"status":"success","data":{"resultType":"scalar","result":[1772366400,"` + v + `"]}}`
	}
	empty := `{"status":"success","data":{"resultType":"vector","result":[]}}`
	promql := slo.SLO{Name: "custom", Objective: 0.99, Window: slo.Day, SLI: slo.SLI{Kind: slo.KindEvents, PromQL: &slo.PromQL{
		Bad:   `sum(increase(jobs_failed_total[{{.window}}]))`,
		Total: `sum(increase(jobs_total[{{.window}}]))`,
	}}}
	for _, tc := range []struct {
		name       string
		total, bad string
		want       slo.Counts
		wantErr    string
	}{
		{"a vector of one series", vector("200"), vector("10"), slo.Counts{Good: 190, Total: 200}, ""},
		{"scalars", scalar("50"), scalar("5"), slo.Counts{Good: 45, Total: 50}, ""},
		{"no bad series is no bad event", vector("50"), empty, slo.Counts{Good: 50, Total: 50}, ""},
		{"no total series is no event", empty, vector("3"), slo.Counts{}, ""},
		{"NaN total (0/0) is no event", vector("NaN"), vector("NaN"), slo.Counts{}, ""},
		{"more bad than total is all bad", vector("10"), vector("10.4"), slo.Counts{Good: 0, Total: 10}, ""},
		{"a rounding error below zero is zero", vector("10"), vector("-1e-12"), slo.Counts{Good: 10, Total: 10}, ""},
		{"an infinite count is an error", vector("+Inf"), vector("1"), slo.Counts{}, "returned +Inf"},
		{"a negative count is an error", vector("10"), vector("-3"), slo.Counts{}, "never negative"},
		{"a value that is not a number is an error", vector("many"), vector("1"), slo.Counts{}, `"many" is not a number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if strings.Contains(r.URL.Query().Get("query"), "failed") {
					fmt.Fprint(w, tc.bad)
					return
				}
				fmt.Fprint(w, tc.total)
			})
			src := newSource(t, promsource.WithURL(s.URL))
			to := time.Unix(1772366400, 0)
			got, err := src.Counts(context.Background(), promql, to.Add(-time.Hour), to)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %+v, %v; want an error saying %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if q := s.requests()[0].URL.Query().Get("query"); q != "sum(increase(jobs_total[1h]))" {
				t.Errorf("first query %q, want the total query with the window filled in", q)
			}
		})
	}
}

// headerTransport adds a header to every request, as an authenticating
// proxy's client would.
type headerTransport struct{ key, value string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.key, h.value)
	return http.DefaultTransport.RoundTrip(r)
}

func TestWithHTTPClientCarriesTheQueries(t *testing.T) {
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	})
	hc := &http.Client{Transport: headerTransport{"X-Scope-OrgID", "tenant-7"}}
	src := newSource(t, promsource.WithURL(s.URL), promsource.WithHTTPClient(hc))
	if _, err := src.Counts(context.Background(), availability, time.Now().Add(-time.Hour), time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := s.requests()[0].Header.Get("X-Scope-OrgID"); got != "tenant-7" {
		t.Fatalf("the query went out without the client's header (got %q)", got)
	}
}

func TestPrometheusWarningsAreLogged(t *testing.T) {
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"success","warnings":["results truncated due to limit"],"data":{"resultType":"vector","result":[{"metric":{},"value":[1,"12"]}]}}`)
	})
	var logged strings.Builder
	src := newSource(t, promsource.WithURL(s.URL), promsource.WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	c, err := src.Counts(context.Background(), availability, time.Now().Add(-time.Hour), time.Now())
	if err != nil || c.Total != 12 {
		t.Fatalf("got %+v, %v; a warning must not stop the answer", c, err)
	}
	if !strings.Contains(logged.String(), "results truncated due to limit") {
		t.Fatalf("the warning was not logged; log:\n%s", logged.String())
	}
}

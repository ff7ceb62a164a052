package api

import (
	"regexp"
	"strings"
	"testing"
)

func TestDashboardPageNeedsNoKey(t *testing.T) {
	h := newHarness(t, true, nil)
	rec := h.do("GET", PathDashboard, "", "192.0.2.1")
	must(t, rec, 200)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	page := rec.Body.String()
	for _, id := range []string{`id="run-check"`, `id="view-p95"`, `id="sparkline"`, `id="key-form"`, `id="alerts"`} {
		if !strings.Contains(page, id) {
			t.Errorf("page lacks %s", id)
		}
	}
	if h.srv.limiter.tracked() != 0 {
		t.Error("loading the page without a key counted as a failed attempt")
	}
}

// TestDashboardAssetsAreServed fetches everything the page links to: the CSP
// allows only same-origin files, so each must be served here.
func TestDashboardAssetsAreServed(t *testing.T) {
	h := newHarness(t, true, nil)
	page := h.do("GET", PathDashboard, "", "192.0.2.1").Body.String()
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	wantTypes := map[string]string{".js": "text/javascript", ".css": "text/css"}
	var n int
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		if strings.Contains(ref, "//") || strings.HasPrefix(ref, "/") {
			t.Errorf("page links to %q: links must be relative, to the same origin", ref)
			continue
		}
		n++
		rec := h.do("GET", "/"+ref, "", "192.0.2.1")
		must(t, rec, 200)
		for ext, ct := range wantTypes {
			if strings.HasSuffix(ref, ext) && !strings.HasPrefix(rec.Header().Get("Content-Type"), ct) {
				t.Errorf("%s served as %q, want %s", ref, rec.Header().Get("Content-Type"), ct)
			}
		}
	}
	if n < 2 {
		t.Errorf("page links to %d assets, want its script and style sheet", n)
	}
}

// TestDashboardHasNoInlineCode: the CSP forbids inline script and style, so
// any would silently not run.
func TestDashboardHasNoInlineCode(t *testing.T) {
	h := newHarness(t, true, nil)
	page := h.do("GET", PathDashboard, "", "192.0.2.1").Body.String()
	scripts := regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(page, -1)
	if len(scripts) == 0 {
		t.Fatal("page has no script")
	}
	for _, m := range scripts {
		if !strings.Contains(m[1], `src="`) || strings.TrimSpace(m[2]) != "" {
			t.Errorf("page has an inline script: %.80s", m[0])
		}
	}
	if regexp.MustCompile(`\sstyle="`).MatchString(page) || strings.Contains(page, "<style") {
		t.Error("page has inline style")
	}
	if regexp.MustCompile(`\son[a-z]+="`).MatchString(page) {
		t.Error("page has an inline event handler")
	}
}

func TestDashboardPaths(t *testing.T) {
	h := newHarness(t, true, nil)

	rec := h.do("GET", "/dashboard/", "", "192.0.2.1")
	must(t, rec, 301)
	if loc := rec.Header().Get("Location"); loc != "/dashboard" {
		t.Errorf("/dashboard/ redirects to %q, want /dashboard", loc)
	}
	must(t, h.do("GET", "/dashboard/nope.js", "", "192.0.2.1"), 404)
	must(t, h.do("GET", "/dashboard/../api/observability/slo", "", "192.0.2.1"), 301) // cleaned by the router

	rec = h.do("POST", PathDashboard, "", "192.0.2.1")
	must(t, rec, 405)
	if allow := rec.Header().Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("Allow = %q", allow)
	}

	rec = h.do("GET", "/dashboard/dashboard.js", "", "192.0.2.1")
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on the script")
	}
	req := newRequest("GET", "/dashboard/dashboard.js")
	req.Header.Set("If-None-Match", etag)
	must(t, serve(h, req), 304)
}

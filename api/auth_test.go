package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestKeyMatches(t *testing.T) {
	want := sha256.Sum256([]byte(testKey))
	flip := func(i int) string {
		b := []byte(testKey)
		b[i] ^= 0x01
		return string(b)
	}
	tests := []struct {
		name      string
		presented string
		match     bool
	}{
		{"the key itself matches", testKey, true},
		{"a key differing only in the last byte does not match", flip(len(testKey) - 1), false},
		{"a key differing only in the first byte does not match", flip(0), false},
		{"a key differing in a middle byte does not match", flip(len(testKey) / 2), false},
		{"a prefix of the key does not match", testKey[:len(testKey)-1], false},
		{"the key with a byte more does not match", testKey + "A", false},
		{"the key in another case does not match", strings.ToUpper(testKey), false},
		{"an empty key does not match", "", false},
		{"the key's digest does not match", string(want[:]), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keyMatches(want, []byte(tt.presented)); got != tt.match {
				t.Errorf("keyMatches(%q) = %v, want %v", tt.presented, got, tt.match)
			}
		})
	}
}

// TestKeyComparisonIsConstantTime checks the structure the timing argument
// rests on: keyMatches hashes the presented key and compares digests with
// subtle.ConstantTimeCompare, and no other code reads the stored digest.
func TestKeyComparisonIsConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if fn, ok := n.(*ast.FuncDecl); ok && fn.Name.Name == "keyMatches" {
				found = true
				calls := selectorCalls(fn.Body)
				for _, want := range []string{"sha256.Sum256", "subtle.ConstantTimeCompare"} {
					if !calls[want] {
						t.Errorf("keyMatches does not call %s", want)
					}
				}
				for _, bad := range []string{"bytes.Equal", "bytes.Compare", "strings.EqualFold", "strings.Compare", "hmac.Equal"} {
					if calls[bad] {
						t.Errorf("keyMatches calls %s, which is not constant-time on digests", bad)
					}
				}
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					if b, ok := n.(*ast.BinaryExpr); ok && b.Op == token.EQL {
						if call, ok := b.X.(*ast.CallExpr); !ok || exprString(call.Fun) != "subtle.ConstantTimeCompare" {
							t.Errorf("keyMatches compares with == at %s", fset.Position(b.Pos()))
						}
					}
					return true
				})
				return false
			}
			return true
		})
		// keyDigest may only be set (the field in the composite literal of
		// New) or passed to keyMatches.
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.KeyValueExpr:
				if id, ok := x.Key.(*ast.Ident); ok && id.Name == "keyDigest" {
					return false
				}
			case *ast.CallExpr:
				if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "keyMatches" {
					return false
				}
			case *ast.SelectorExpr:
				if x.Sel.Name == "keyDigest" {
					t.Errorf("%s reads keyDigest outside keyMatches", fset.Position(x.Pos()))
				}
			case *ast.Field:
				return false
			}
			return true
		})
	}
	if !found {
		t.Fatal("no func keyMatches in the package")
	}
}

func selectorCalls(body ast.Node) map[string]bool {
	calls := map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			calls[exprString(c.Fun)] = true
		}
		return true
	})
	return calls
}

func exprString(e ast.Expr) string {
	if s, ok := e.(*ast.SelectorExpr); ok {
		if id, ok := s.X.(*ast.Ident); ok {
			return id.Name + "." + s.Sel.Name
		}
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// TestKeyNeverLogged sends failing and succeeding requests of every kind
// and looks for the key, in any encoding, in the log and in the answers.
func TestKeyNeverLogged(t *testing.T) {
	h := newHarness(t, true, func(c *Config) { c.AuthFailures = RateLimit{Failures: 4, Per: time.Minute} })
	h.eng.latErr = context.DeadlineExceeded
	digest := sha256.Sum256([]byte(testKey))
	secrets := map[string]string{
		"the key":                   testKey,
		"the key's hex digest":      hex.EncodeToString(digest[:]),
		"the key in base64":         base64.StdEncoding.EncodeToString([]byte(testKey)),
		"a wrong key that was sent": "dk_guess_" + testKey[10:],
	}
	var answers strings.Builder
	record := func(method, target, key, addr string) int {
		rec := h.do(method, target, key, addr)
		answers.WriteString(rec.Body.String())
		for k, vs := range rec.Header() {
			answers.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
		}
		return rec.Code
	}
	codes := map[int]int{}
	for _, req := range []struct{ method, target, key, addr string }{
		{"GET", PathReport, testKey, "192.0.2.1"},
		{"POST", PathCheck, testKey, "192.0.2.1"},
		{"GET", PathLatency + "?window=7d", testKey, "192.0.2.1"},
		{"GET", PathLatency + "?window=1y", testKey, "192.0.2.1"},
		{"PUT", PathReport, testKey, "192.0.2.1"},
		{"GET", "/api/observability/x", testKey, "192.0.2.1"},
		{"GET", PathReport, "", "198.51.100.7"},
		{"GET", PathReport, testKey + "x", "198.51.100.7"},
		{"GET", PathReport, "dk_guess_" + testKey[10:], "198.51.100.7"},
		{"GET", PathReport, strings.ToLower(testKey), "198.51.100.7"},
		{"GET", PathReport, testKey, "198.51.100.7"}, // locked out now, with the right key
		{"GET", PathReport, testKey, "198.51.100.7"},
	} {
		codes[record(req.method, req.target, req.key, req.addr)]++
	}
	for _, code := range []int{200, 400, 401, 404, 405, 429, 500} {
		if codes[code] == 0 {
			t.Errorf("no request answered %d: the test does not cover it (codes: %v)", code, codes)
		}
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "dashboard API request refused") || !strings.Contains(logs, "198.51.100.7") {
		t.Fatalf("refused requests were not logged with the client, so the test proves nothing: %s", logs)
	}
	for what, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("%s appears in the log:\n%s", what, logs)
		}
		if strings.Contains(answers.String(), s) {
			t.Errorf("%s appears in an answer", what)
		}
	}
}

func TestAuthFailuresAreCounted(t *testing.T) {
	h := newHarness(t, true, func(c *Config) { c.AuthFailures = RateLimit{Failures: 3, Per: time.Minute} })
	h.do("GET", PathReport, "", "192.0.2.1")          // missing
	h.do("GET", PathReport, "nope", "192.0.2.1")      // invalid
	h.do("GET", PathLatency, "nope", "192.0.2.1")     // invalid, bucket now empty
	h.do("GET", PathReport, testKey, "192.0.2.1")     // rate_limited
	h.do("GET", PathReport, testKey, "198.51.100.20") // fine
	want := map[string]int64{"missing": 1, "invalid": 2, "rate_limited": 1}

	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	var unit string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "sloguard.api.auth.failures" {
				continue
			}
			unit = m.Unit
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok || !sum.IsMonotonic {
				t.Fatalf("sloguard.api.auth.failures is %T, want a monotonic int64 sum", m.Data)
			}
			for _, dp := range sum.DataPoints {
				reason, _ := dp.Attributes.Value("reason")
				got[reason.AsString()] += dp.Value
			}
		}
	}
	if unit != "{failure}" {
		t.Errorf("unit = %q, want {failure}", unit)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("failures with reason %s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("reasons %v, want only %v", got, want)
	}
}

func TestMultipleKeyHeadersAreRefused(t *testing.T) {
	h := newHarness(t, true, nil)
	req := newRequest("GET", PathReport)
	req.Header.Add(KeyHeader, "wrong")
	req.Header.Add(KeyHeader, testKey)
	rec := serve(h, req)
	must(t, rec, 401)
	if msg := errorMessage(t, rec); !strings.Contains(msg, "more than one X-Dash-Key") {
		t.Errorf("error = %q", msg)
	}
}

package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// KeyHeader is the request header that carries the dashboard key.
const KeyHeader = "X-Dash-Key"

// authenticateHint is the WWW-Authenticate value of a 401: it names the
// header to send without saying anything about the key.
const authenticateHint = KeyHeader + ` realm="sloguard"`

// keyMatches reports whether presented is the key whose SHA-256 digest is
// want. Comparing fixed-length digests with subtle.ConstantTimeCompare makes
// the time independent of where the first differing byte is and of the
// length of the presented key (ConstantTimeCompare returns at once on a
// length mismatch, which would leak the key's length if keys were compared
// directly).
func keyMatches(want [sha256.Size]byte, presented []byte) bool {
	got := sha256.Sum256(presented)
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

// Values of the reason attribute of sloguard.api.auth.failures.
const (
	reasonMissing     = "missing"
	reasonInvalid     = "invalid"
	reasonRateLimited = "rate_limited"
)

// authorize lets a request through to next only with the right key, from a
// client that has not spent its failed attempts.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := clientKey(s.clientAddress(r))
		now := s.now()
		if wait, blocked := s.limiter.blocked(client, now); blocked {
			// The key is not even looked at: a locked-out client learns nothing.
			s.countFailure(r, reasonRateLimited)
			s.log.LogAttrs(r.Context(), slog.LevelDebug, "dashboard API request refused: too many failed key attempts",
				slog.String("client", client), slog.String("route", routeTemplate(r)))
			secs := int64(math.Max(1, math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
			writeError(w, http.StatusTooManyRequests,
				"too many failed "+KeyHeader+" attempts from this address: retry after "+strconv.FormatInt(secs, 10)+"s")
			return
		}
		reason, msg := "", ""
		values := r.Header.Values(KeyHeader)
		switch {
		case len(values) == 0 || values[0] == "":
			reason, msg = reasonMissing, "missing "+KeyHeader+" header: send the dashboard key in it"
		case len(values) > 1:
			reason, msg = reasonInvalid, "more than one "+KeyHeader+" header: send the dashboard key once"
		case !keyMatches(s.keyDigest, []byte(values[0])):
			reason, msg = reasonInvalid, "wrong dashboard key in the "+KeyHeader+" header"
		}
		if reason != "" {
			s.limiter.fail(client, now)
			s.countFailure(r, reason)
			s.log.LogAttrs(r.Context(), slog.LevelWarn, "dashboard API request refused",
				slog.String("client", client), slog.String("reason", reason), slog.String("route", routeTemplate(r)))
			w.Header().Set("WWW-Authenticate", authenticateHint)
			writeError(w, http.StatusUnauthorized, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) countFailure(r *http.Request, reason string) {
	s.failures.Add(r.Context(), 1, metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", reason))))
}

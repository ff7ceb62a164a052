// Package api serves the operator's view of sloguard: a small JSON API over
// the SLO processor and the dashboard page that reads it.
//
// # Endpoints
//
//	GET  /api/observability/slo       the latest SLO report (slo.Report); 503 before the first evaluation
//	POST /api/observability/slo/check evaluates the SLOs now and returns the fresh report
//	GET  /api/observability/latency   request latency over a window (slo.LatencySummary):
//	                                  ?window=24h (spec file durations: ms s m h d w, e.g. 7d, 1d12h or 1w;
//	                                  default 24h; from 1m to Config.MaxWindow) and optional &route=/path
//	GET  /dashboard                   the dashboard page (HTML), no key needed to load it
//	GET  /dashboard/{asset}           its script and style sheet
//
// Every answer under /api/observability/ is JSON. Errors are {"error": "..."}:
// 400 for a bad or unknown query parameter (the message names it), 401 for a
// missing or wrong key, 404 for an unknown path, 405 (with Allow) for a wrong
// method, 429 (with Retry-After) while a client is locked out, 500 when the
// engine fails, 503 before the first evaluation.
//
// Each endpoint is its own gorilla/mux route with a fixed path template, so
// request spans and the http.route attribute are named by the template and a
// client cannot create new names by inventing URLs: unknown paths under
// /api/observability/ all fall on one catch-all route.
//
// # Authentication
//
// Every request under /api/observability/ must carry the dashboard key in the
// X-Dash-Key header; there is no other way to pass it (no query parameter, no
// cookie), so the key never lands in access logs, traces, browser history or
// a Referer. The server keeps only the SHA-256 digest of the key and compares
// it with the digest of the presented key with crypto/subtle: the time taken
// depends neither on where the first differing byte is nor on the length of
// the presented key.
//
// A missing or wrong key is answered 401 with a WWW-Authenticate hint and
// counted on the sloguard.api.auth.failures counter (attribute reason:
// missing, invalid or rate_limited). Failures are rate-limited per client
// address with a token bucket (by default 10 failures, refilled over a
// minute): once a client's bucket is empty, every request it makes under
// /api/observability/ is answered 429 with Retry-After, without looking at the
// key, so guessing cannot go on at full speed. IPv6 clients are grouped by /64
// since one host usually owns a whole /64. The table of clients is bounded
// (Config.AuthFailures.MaxClients): when it is full, clients whose bucket has
// refilled are dropped first, and newcomers beyond the bound share one bucket,
// so a flood of addresses can neither grow memory nor reset anyone's count.
// Behind a reverse proxy, set Config.ClientAddress to ForwardedFor with the
// proxies' addresses (`sloguard serve --trusted-proxies`), or every client
// shares the proxy's bucket; X-Forwarded-For from anyone else is ignored.
//
// The key is never logged, never put in an error message, a metric or a
// span: failures are logged with the client address and the reason only.
//
// The dashboard page asks for the key once, keeps it in the tab's
// sessionStorage and sends it in the header of its API calls. A link may carry
// it in the URL fragment (/dashboard#key=...), which browsers never send to a
// server; the page moves it to sessionStorage and removes it from the address
// bar at once. The page is self-contained (no CDN, no build step) and served
// with a Content-Security-Policy that allows only its own script and style.
//
// # Concurrency
//
// A Server is safe for concurrent use by any number of requests; it starts no
// goroutine. The Engine it is given must be safe for concurrent use too.
package api

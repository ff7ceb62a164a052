package httpmetrics

import "slices"

// Names of the HTTP server's request duration histogram and of the
// attributes the SLIs select by, as the stable HTTP semantic conventions
// define them and otelhttp records them.
const (
	// DurationMetric is the request duration histogram.
	DurationMetric = "http.server.request.duration"
	// DurationUnit is its unit (UCUM): seconds.
	DurationUnit = "s"
	// RouteAttr is the route template of the request, such as /api/items/{id}.
	RouteAttr = "http.route"
	// MethodAttr is the request method ("_OTHER" for an unknown one).
	MethodAttr = "http.request.method"
	// StatusCodeAttr is the response status code.
	StatusCodeAttr = "http.response.status_code"
)

// UnmatchedRoute is the http.route of every request whose path matches no
// route of the router: a fixed value, so that a scan of random paths cannot
// grow the series count.
const UnmatchedRoute = "unmatched"

// bucketBoundaries are the bucket boundaries, in seconds, of the request
// duration histogram.
//
// They are otelhttp's advisory boundaries plus 0.2, 0.3 and 0.4: a latency
// SLO is exact only when its threshold is a bucket boundary (a request is
// good when it finished within the threshold, and a histogram can only tell
// that at a boundary), and the latency SLO of the Flask app (slo_guard.py) is
// "p95 < 400ms". 0.2 and 0.3 give common tighter thresholds room; 0.075 and
// 7.5 are dropped to keep the series count (and scrape cost) at 16 buckets
// per route.
var bucketBoundaries = [...]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10}

// BucketBoundaries returns the bucket boundaries, in seconds, of the request
// duration histogram, ascending: a new slice on every call.
func BucketBoundaries() []float64 { return slices.Clone(bucketBoundaries[:]) }

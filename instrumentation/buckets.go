package instrumentation

// DurationBuckets are the bucket boundaries, in seconds, of the
// http.server.request.duration histogram.
//
// They are otelhttp's advisory boundaries plus 0.2, 0.3 and 0.4: a latency
// SLO is exact only when its threshold is a bucket boundary (a request is
// good when it finished within the threshold, and a histogram can only tell
// that at a boundary), and the seed's latency SLO is "p95 < 400ms". 0.2 and
// 0.3 give common tighter thresholds room; 0.075 and 7.5 are dropped to keep
// the series count (and scrape cost) at 16 buckets per route.
var DurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10}

// Names of the instruments of the HTTP server, as the stable HTTP semantic
// conventions define them and otelhttp records them.
const (
	DurationMetric         = "http.server.request.duration"
	requestBodySizeMetric  = "http.server.request.body.size"
	responseBodySizeMetric = "http.server.response.body.size"
)

// UnmatchedRoute is the http.route of every request whose path matches no
// route of the router.
const UnmatchedRoute = "unmatched"

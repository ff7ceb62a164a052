package instrumentation

// Names of the body size instruments of the HTTP server, as otelhttp records
// them. The duration histogram and its attributes, which the SLOs read, are
// named in httpmetrics.
const (
	requestBodySizeMetric  = "http.server.request.body.size"
	responseBodySizeMetric = "http.server.response.body.size"
)

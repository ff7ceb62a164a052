package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/sloguard/sloguard/internal/endpoint"
)

// checkOTelEnv checks the OTEL_* variables that configure the OTLP
// exporters before any SDK piece reads them. The SDK, given a malformed
// endpoint or header list, logs the value in full (a password or an API key
// with it) and carries on with its defaults, sending telemetry to a
// collector nobody chose; serve refuses to start instead, with an error
// that names the variable and says what is wrong, never what it holds.
//
// The accepted values are the ones the exporters serve builds read
// (autoexport and the OTLP exporters of the OpenTelemetry Go SDK); an empty
// variable is unset, as in the SDK.
func checkOTelEnv(getenv func(string) string) error {
	var errs []error
	check := func(name string, fn func(string) error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return
		}
		if err := fn(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	check("OTEL_TRACES_EXPORTER", oneOf("otlp", "console", "none"))
	check("OTEL_METRICS_EXPORTER", oneOf("otlp", "console", "none", "prometheus"))
	for _, signal := range []string{"", "TRACES_", "METRICS_"} {
		prefix := "OTEL_EXPORTER_OTLP_" + signal
		check(prefix+"ENDPOINT", checkOTLPEndpoint)
		check(prefix+"HEADERS", checkOTLPHeaders)
		check(prefix+"PROTOCOL", oneOf("grpc", "http/protobuf"))
		check(prefix+"COMPRESSION", oneOf("gzip", "none"))
		check(prefix+"TIMEOUT", checkMilliseconds)
		check(prefix+"INSECURE", oneOf("true", "false"))
	}
	if len(errs) == 0 {
		return nil
	}
	// one line per variable, the first on the line of "sloguard: serve:".
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return usageErr("serve: %s", strings.Join(msgs, "; "))
}

// oneOf accepts the given values, as the SDK spells them.
func oneOf(values ...string) func(string) error {
	return func(v string) error {
		for _, ok := range values {
			if v == ok {
				return nil
			}
		}
		return fmt.Errorf("not a value the exporters know: want %s", strings.Join(values, ", "))
	}
}

// checkOTLPEndpoint accepts what the specification asks for: an http or
// https URL with a host. User information and query strings are refused:
// the OTLP exporters would drop them without a word (credentials go in
// OTEL_EXPORTER_OTLP_HEADERS).
func checkOTLPEndpoint(v string) error {
	_, err := endpoint.Parse(v, endpoint.WithoutQuery(), endpoint.WithoutUserinfo())
	var e *endpoint.Error
	if errors.As(err, &e) {
		// the reason alone: even redacted, the value stays out.
		return errors.New(e.Reason)
	}
	return err
}

// checkOTLPHeaders reads a header list as the SDK does (name=value pairs
// separated by commas, values %-escaped) and refuses what the SDK would
// skip after logging it. Entries are named by position, never quoted.
func checkOTLPHeaders(v string) error {
	pairs := strings.Split(v, ",")
	for i, p := range pairs {
		where := fmt.Sprintf("entry %d of %d", i+1, len(pairs))
		name, value, ok := strings.Cut(p, "=")
		switch {
		case strings.TrimSpace(p) == "":
			return fmt.Errorf("%s is empty: write name=value,name=value", where)
		case !ok:
			return fmt.Errorf("%s has no '=': write name=value,name=value (a value with a comma or an equals sign is %%-escaped)", where)
		case !isHeaderName(strings.TrimSpace(name)):
			return fmt.Errorf("%s: the name is not a valid header name", where)
		}
		if _, err := url.PathUnescape(value); err != nil {
			return fmt.Errorf("%s: the value has a %% not followed by two hexadecimal digits", where)
		}
	}
	return nil
}

// isHeaderName reports whether s is an HTTP token (RFC 9110), as the SDK
// checks.
func isHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", c):
		default:
			return false
		}
	}
	return true
}

// checkMilliseconds accepts a timeout as the SDK reads it: an integer
// number of milliseconds.
func checkMilliseconds(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return errors.New("not a whole number of milliseconds, such as 10000")
	}
	return nil
}

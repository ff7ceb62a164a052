package endpoint

import (
	"net/url"
	"regexp"
	"strings"
)

// Hidden replaces what Redact and RedactText hide.
const Hidden = "xxxxx"

// secretNames are the parts of names that mark a credential in text
// sloguard did not write (RedactText) and in the SDK's log keys: a name
// holding any of them (case and - _ . aside) has its value hidden. Broad on purpose: hiding a harmless value costs a log
// reader a detail, showing a token costs the token.
var secretNames = []string{
	"token", "key", "secret", "pass", "pwd", "sig", "auth", "credential",
	"session", "jwt", "bearer", "private", "cookie",
}

// IsSecretName reports whether a parameter, header or log key named name
// is taken to hold a credential.
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	n = strings.NewReplacer("-", "", "_", "", ".", "").Replace(n)
	for _, s := range secretNames {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// Redact returns what logs and errors may show of u: scheme, host, port,
// path and the names of the query parameters; never their values, user
// information or a fragment.
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.Opaque != "" {
		return redactOpaque(u.Scheme, u.Opaque)
	}
	r := *u
	if r.User != nil {
		r.User = url.User(Hidden)
	}
	r.Fragment, r.RawFragment = "", ""
	r.RawQuery = redactQuery(u.RawQuery)
	if r.Host == "" && strings.Contains(r.Path, "@") {
		// "http:/user:pass@host" parses as a path.
		r.Path, r.RawPath = Hidden+"@"+r.Path[strings.LastIndex(r.Path, "@")+1:], ""
		if !strings.HasPrefix(r.Path, "/") {
			r.Path = "/" + r.Path
		}
	}
	return r.String()
}

// RedactString is Redact of raw once parsed, or Hidden when raw does not
// parse: then nothing of it is safe to show.
func RedactString(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Hidden
	}
	return Redact(u)
}

// redactOpaque shows a URL without "//": "host:9093" stays as it is (a host
// and a port), anything else keeps only what follows its last "@" (the host
// of "user:pass@host:9" or "https:user:pass@host"), and the scheme only
// when it is http or https (in "user:pass@host" the "scheme" is the user).
func redactOpaque(scheme, opaque string) string {
	if isDigits(opaque) {
		return scheme + ":" + opaque
	}
	prefix := ""
	if s := strings.ToLower(scheme); s == "http" || s == "https" {
		prefix = scheme + ":"
	}
	opaque, _, _ = strings.Cut(opaque, "?")
	if i := strings.LastIndex(opaque, "@"); i >= 0 {
		return prefix + Hidden + "@" + opaque[i+1:]
	}
	return prefix + Hidden
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// redactQuery hides the value of every parameter, keeping the names in
// their order and spelling: a receiver's token may go by any name (t,
// hash, code), so no value is taken to be harmless. A part without "=" may
// itself be the token, and a name that does not unescape cannot be read:
// both are hidden whole.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		if _, err := url.QueryUnescape(k); err != nil || !hasValue {
			parts[i] = Hidden
			continue
		}
		parts[i] = k + "=" + Hidden
	}
	return strings.Join(parts, "&")
}

var (
	// textURL is a URL written with "//" inside text.
	textURL = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>\x60]+`)
	// textUserinfo is user:password@host written without a scheme.
	textUserinfo = regexp.MustCompile(`[^\s"'<>/@:=,]+:[^\s"'<>/@]*@`)
	// textName is the name of a name=value or name: value pair; the
	// value is not part of the match, so that in a=b=c both a and b are
	// seen as names.
	textName = regexp.MustCompile(`([A-Za-z0-9_.\-]+)(=|:[ \t]*)`)
	// textScheme is an Authorization header value.
	textScheme = regexp.MustCompile(`(?i)^(bearer|basic|token)[ \t]+`)
	// textScheme anywhere, not after a name.
	textSchemeAnywhere = regexp.MustCompile(`(?i)\b(bearer|basic)[ \t]+[A-Za-z0-9._~+/=\-]+`)
)

// RedactText hides the credentials Redact hides, credential-looking
// name=value and name: value pairs and Authorization values, wherever they
// appear in s: for text sloguard did not write, such as an error or a log
// line of a library.
func RedactText(s string) string {
	s = textURL.ReplaceAllStringFunc(s, RedactString)
	s = textUserinfo.ReplaceAllString(s, Hidden+"@")
	s = redactPairs(s)
	return textSchemeAnywhere.ReplaceAllString(s, "$1 "+Hidden)
}

// redactPairs hides the value of every pair in s whose name IsSecretName:
// up to the next space or separator, a quoted string whole, and an
// authorization scheme ("Bearer x") with the credential after it.
func redactPairs(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range textName.FindAllStringSubmatchIndex(s, -1) {
		if m[0] < last || !IsSecretName(s[m[2]:m[3]]) {
			continue
		}
		start := m[1]
		end := start
		if loc := textScheme.FindStringIndex(s[start:]); loc != nil {
			end += loc[1]
		}
		if end < len(s) && s[end] == '"' {
			if q := strings.IndexByte(s[end+1:], '"'); q >= 0 {
				end += q + 2
			} else {
				end = len(s)
			}
		} else {
			for end < len(s) && !strings.ContainsRune(" \t\n&,;\"'", rune(s[end])) {
				end++
			}
		}
		if end == start || s[start:end] == Hidden {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(Hidden)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

package foreign

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
)

// Set collects the SLOs a format read from its documents, with the
// decoder of each (its file and the lines of its fields) and where each of
// the model's fields was read from.
type Set struct {
	service     string
	serviceFile string
	serviceLine int
	entries     []entry
}

type entry struct {
	slo    slo.SLO
	d      *yamldoc.Decoder
	fields map[string]string
}

// Add records an SLO read by d for service (whose field is serviceField).
// fields maps the model's field paths relative to the SLO (".objective",
// ".sli.promql.bad"; "" for the SLO itself) to the format's. An SLO whose
// service differs from the first one added is refused: the files loaded
// together hold the SLOs of one service.
func (s *Set) Add(d *yamldoc.Decoder, service, serviceField string, o slo.SLO, fields map[string]string) {
	switch {
	case s.service == "":
		s.service, s.serviceFile, s.serviceLine = service, d.File, d.LineOf(serviceField)
	case service != s.service:
		d.Errorf(d.LineOf(serviceField), serviceField, "service %q differs from %q (%s:%d): the files loaded together hold the SLOs of one service", service, s.service, s.serviceFile, s.serviceLine)
		return
	}
	s.entries = append(s.entries, entry{slo: o, d: d, fields: fields})
}

// Finish checks the SLOs added against the model's rules and returns them
// with every problem of the decoders given (each once) and of the check,
// placed at the format's field and its line.
func (s *Set) Finish(decoders []*yamldoc.Decoder, opts yamldoc.Options) (slo.Spec, []slo.Problem) {
	spec := slo.Spec{Version: slo.Version, Service: s.service}
	for _, e := range s.entries {
		spec.SLOs = append(spec.SLOs, e.slo)
	}
	var problems []slo.Problem
	if len(spec.SLOs) > 0 {
		for _, p := range spec.Problems(opts.Boundaries) {
			i, rest, ok := sloIndex(p.Field)
			if !ok {
				continue // service and slos: every reader requires them itself
			}
			e := s.entries[i]
			p.Field = translate(e.fields, rest)
			if e.d.Suppressed(p.Field) {
				continue
			}
			p.File, p.Line = e.d.File, e.d.LineOf(p.Field)
			problems = append(problems, p)
		}
	}
	for _, d := range decoders {
		problems = append(problems, d.Problems...)
	}
	slices.SortStableFunc(problems, func(a, b slo.Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	if len(slo.Errors(problems)) > 0 {
		return slo.Spec{}, problems
	}
	return spec, problems
}

// sloIndex splits slos[3].sli.promql into 3 and .sli.promql.
func sloIndex(field string) (int, string, bool) {
	rest, ok := strings.CutPrefix(field, "slos[")
	if !ok {
		return 0, "", false
	}
	end := strings.IndexByte(rest, ']')
	var i int
	if end < 0 {
		return 0, "", false
	}
	if _, err := fmt.Sscanf(rest[:end], "%d", &i); err != nil {
		return 0, "", false
	}
	return i, rest[end+1:], true
}

// translate names a model field the format's way: the closest registered
// ancestor, followed by the rest of the path.
func translate(fields map[string]string, rel string) string {
	for f := rel; ; f = parent(f) {
		if of, ok := fields[f]; ok {
			return of + rel[len(f):]
		}
		if f == "" {
			return rel
		}
	}
}

func parent(f string) string {
	i := strings.LastIndexAny(f, ".[")
	if i < 0 {
		return ""
	}
	return f[:i]
}

// Warnf records a warning of d at line.
func Warnf(d *yamldoc.Decoder, line int, field, format string, args ...any) {
	d.Problems = append(d.Problems, slo.Problem{File: d.FileOf(field), Line: line, Field: field, Msg: fmt.Sprintf(format, args...), Severity: slo.SeverityWarning})
}

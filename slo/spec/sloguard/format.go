package sloguard

import (
	"slices"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
)

// Format reads sloguard/v1 documents. The zero value is ready to use.
type Format struct{}

// Name names the format in messages.
func (Format) Name() string { return slo.Version }

// Reads reports whether a document whose key (apiVersion or version) holds
// version is of this format. A document that names no version at all is
// taken for one of this format, whose decoder then says what is missing.
func (Format) Reads(key, version string) bool {
	return key == "" || key == "version"
}

// decoder reads one sloguard/v1 document into a Spec.
type decoder struct {
	*yamldoc.Decoder
}

// Decode reads every sloguard/v1 document: each is the spec of one
// service, and a file holds one. It returns the SLOs of all of them, with
// every problem found, each with its file and line; objectives are
// converted from percent to fractions.
func (Format) Decode(docs []yamldoc.Document, opts yamldoc.Options) (slo.Spec, []slo.Problem) {
	var (
		out      slo.Spec
		problems []slo.Problem
		seen     = map[string]bool{}
	)
	for _, doc := range docs {
		d := &decoder{Decoder: yamldoc.New(doc.File)}
		if seen[doc.File] {
			d.Errorf(doc.Line, "", "the file holds more than one YAML document: put every SLO of the service in one document")
			problems = append(problems, d.Problems...)
			continue
		}
		seen[doc.File] = true
		spec := d.spec(doc.Node)
		for _, p := range spec.Problems(opts.Boundaries) {
			if d.Suppressed(p.Field) {
				continue
			}
			p.File = doc.File
			p.Line = d.LineOf(p.Field)
			d.Problems = append(d.Problems, p)
		}
		slices.SortStableFunc(d.Problems, func(a, b slo.Problem) int { return a.Line - b.Line })
		problems = append(problems, d.Problems...)
		if len(d.Problems) > 0 {
			continue
		}
		out.Version, out.Service = spec.Version, spec.Service
		out.SLOs = append(out.SLOs, spec.SLOs...)
	}
	return out, problems
}

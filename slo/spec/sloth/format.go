package sloth

import (
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/foreign"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
)

// The versions read: the spec file's version and the custom resource's
// apiVersion.
const (
	SpecVersion = "prometheus/v1"
	CRDVersion  = "sloth.slok.dev/v1"
	crdKind     = "PrometheusServiceLevel"
)

// Format reads Sloth documents. The zero value is ready to use.
type Format struct{}

// Name names the format in messages.
func (Format) Name() string { return "Sloth (" + SpecVersion + ", " + CRDVersion + ")" }

// Reads reports whether a document whose key holds version is Sloth's.
func (Format) Reads(key, version string) bool {
	return key == "version" && version == SpecVersion || key == "apiVersion" && version == CRDVersion
}

// Decode reads every Sloth document given, from any number of files: they
// must hold the SLOs of one service.
func (Format) Decode(docs []yamldoc.Document, opts yamldoc.Options) (slo.Spec, []slo.Problem) {
	var set foreign.Set
	var decoders []*yamldoc.Decoder
	for _, doc := range docs {
		d := &decoder{Decoder: yamldoc.New(doc.File), window: opts.Window}
		decoders = append(decoders, d.Decoder)
		d.document(doc, &set)
	}
	return set.Finish(decoders, opts)
}

package pyrra

import (
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/foreign"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
)

// Version is the apiVersion read.
const (
	Version = "pyrra.dev/v1alpha1"
	kind    = "ServiceLevelObjective"
)

// Format reads Pyrra documents. The zero value is ready to use.
type Format struct{}

// Name names the format in messages.
func (Format) Name() string { return "Pyrra " + Version }

// Reads reports whether a document whose key holds version is Pyrra's.
func (Format) Reads(key, version string) bool {
	return key == "apiVersion" && version == Version
}

// Decode reads every Pyrra object given: one SLO each.
func (Format) Decode(docs []yamldoc.Document, opts yamldoc.Options) (slo.Spec, []slo.Problem) {
	var set foreign.Set
	var decoders []*yamldoc.Decoder
	for _, doc := range docs {
		d := &decoder{Decoder: yamldoc.New(doc.File)}
		decoders = append(decoders, d.Decoder)
		d.object(doc, &set)
	}
	return set.Finish(decoders, opts)
}

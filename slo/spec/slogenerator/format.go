package slogenerator

import (
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/foreign"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
)

// Version is the apiVersion read.
const (
	Version = "sre.google.com/v2"
	kind    = "ServiceLevelObjective"
)

// Format reads slo-generator documents. The zero value is ready to use.
type Format struct{}

// Name names the format in messages.
func (Format) Name() string { return "slo-generator " + Version }

// Reads reports whether a document whose key holds version is
// slo-generator's.
func (Format) Reads(key, version string) bool {
	return key == "apiVersion" && version == Version
}

// Decode reads every slo-generator config given: one SLO each.
func (Format) Decode(docs []yamldoc.Document, opts yamldoc.Options) (slo.Spec, []slo.Problem) {
	var set foreign.Set
	var decoders []*yamldoc.Decoder
	for _, doc := range docs {
		d := &decoder{Decoder: yamldoc.New(doc.File), window: opts}
		decoders = append(decoders, d.Decoder)
		d.object(doc, &set)
	}
	return set.Finish(decoders, opts)
}

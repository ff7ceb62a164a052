// Package spec loads SLO spec files into the slo model. It is the one
// loader: it reads files, directories (every .yaml and .yml file in them,
// not recursively) and "-" (standard input), tells the format of each YAML
// document by its apiVersion or version field, hands the documents of each
// format, from every file, to that format's reader (so that references
// resolve across files), and returns one slo.Spec with the warnings found.
//
// A format is a value with a Name, a Reads test on the version field of a
// document and a Decode of its documents (see Format); the formats read are
// listed in Formats. The model package slo imports none of them.
//
// Load and Parse are safe for concurrent use: each call has its own state.
package spec

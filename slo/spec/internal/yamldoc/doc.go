// Package yamldoc holds what every spec format reader shares: the YAML
// documents of the files given, each with its file, and a Decoder that reads
// YAML nodes while recording problems as file:line: field: msg.
//
// Nothing here is safe for concurrent use; a Decoder belongs to one load.
package yamldoc

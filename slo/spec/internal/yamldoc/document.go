package yamldoc

import (
	"bytes"
	"errors"
	"io"

	"gopkg.in/yaml.v3"
)

// Document is one YAML document of a spec file, or one item of a document
// that is a list of objects (as OpenSLO files may be).
type Document struct {
	File string
	// Index is the position of the document among those of File, list
	// items counted one by one.
	Index int
	// Node is the root of the document, aliases resolved.
	Node *yaml.Node
	// Item is set when the document is an item of a list.
	Item bool
	// Line is the line the document starts on (its --- when it has one).
	Line int
}

// Version is the value of the apiVersion field of the document, or failing
// that of its version field: what tells its format. key is the field that
// held it, "" when the document has neither.
func (d Document) Version() (key, value string) {
	// version first: a sloguard spec with a stray apiVersion is still a
	// sloguard spec, whose reader reports the stray field.
	for _, k := range []string{"version", "apiVersion"} {
		if n := Lookup(d.Node, k); n != nil {
			return k, ScalarValue(n)
		}
	}
	return "", ""
}

// Options are the settings every format reads with.
type Options struct {
	// Boundaries are the bucket boundaries, in seconds, of the request
	// duration histogram: a latency threshold must be one of them.
	Boundaries []float64
}

// Split parses data into its documents, a document that is a list giving
// one Document per item. Empty documents are left out. On a YAML error it
// records the problem in d and returns nil: no part of a broken file is read.
func Split(d *Decoder, data []byte) []Document {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []Document
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			d.YAMLError(data, err)
			return nil
		}
		if len(doc.Content) == 0 || IsNull(ResolveAlias(doc.Content[0])) {
			continue
		}
		root := ResolveAlias(doc.Content[0])
		if root.Kind == yaml.SequenceNode && isObjectList(root) {
			for _, item := range root.Content {
				docs = append(docs, Document{File: d.File, Index: len(docs), Node: ResolveAlias(item), Item: true, Line: doc.Line})
			}
			continue
		}
		docs = append(docs, Document{File: d.File, Index: len(docs), Node: root, Line: doc.Line})
	}
}

// isObjectList reports whether a list document holds objects that name
// their format, rather than being, say, a sloguard spec written as a list
// by mistake (left whole, for its format to refuse).
func isObjectList(n *yaml.Node) bool {
	for _, item := range n.Content {
		if Lookup(item, "apiVersion") != nil || Lookup(item, "version") != nil {
			return true
		}
	}
	return false
}

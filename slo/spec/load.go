package spec

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"github.com/sloguard/sloguard/slo/spec/openslo"
	"github.com/sloguard/sloguard/slo/spec/sloguard"
)

// Format is one spec format: the reader of its documents.
type Format interface {
	// Name names the format in messages, as its version is written.
	Name() string
	// Reads reports whether a document whose field key ("apiVersion",
	// "version", or "" when it has neither) holds version is of this
	// format.
	Reads(key, version string) bool
	// Decode turns the documents of this format, from every file loaded,
	// into SLOs. Every problem names its file and line; a format refuses
	// an object it cannot read with an error and may read the others.
	Decode(docs []yamldoc.Document, opts yamldoc.Options) (slo.Spec, []slo.Problem)
}

// Formats are the formats Load reads, tried in order: the first whose
// Reads accepts a document decodes it.
var Formats = []Format{openslo.Format{}, sloguard.Format{}}

// Option changes how Load and Parse read specs.
type Option func(*config)

type config struct {
	boundaries []float64
	stdin      io.Reader
}

// WithBucketBoundaries sets the histogram bucket boundaries, in seconds,
// that a latency threshold must be one of. Without it
// slo.DefaultBucketBoundaries apply.
func WithBucketBoundaries(boundaries []float64) Option {
	return func(c *config) { c.boundaries = slices.Clone(boundaries) }
}

// WithStdin sets what the path "-" reads (os.Stdin without it).
func WithStdin(r io.Reader) Option {
	return func(c *config) { c.stdin = r }
}

// File is a spec file's name (for problems) and contents.
type File struct {
	Name string
	Data []byte
}

// Load reads the spec files at paths: files, directories (their .yaml and
// .yml files, in name order) and "-" for standard input. It returns the
// SLOs of all of them with the warnings found. On any error it returns the
// zero Spec and a *slo.ValidationError listing every problem, errors and
// warnings, one per line as file:line: field: msg.
func Load(paths []string, opts ...Option) (slo.Spec, []slo.Problem, error) {
	cfg := newConfig(opts)
	var files []File
	for _, p := range paths {
		fs, err := readPath(p, cfg)
		if err != nil {
			return slo.Spec{}, nil, err
		}
		files = append(files, fs...)
	}
	if len(files) == 0 {
		return slo.Spec{}, nil, fmt.Errorf("read SLO spec: no spec file in %s", strings.Join(paths, ", "))
	}
	return read(files, cfg)
}

// Read is Load over files already read.
func Read(files []File, opts ...Option) (slo.Spec, []slo.Problem, error) {
	return read(files, newConfig(opts))
}

// Parse reads one spec file's contents (see Load), named filename in
// problems, and drops the warnings.
func Parse(filename string, data []byte, opts ...Option) (slo.Spec, error) {
	s, _, err := Read([]File{{Name: filename, Data: data}}, opts...)
	return s, err
}

func newConfig(opts []Option) config {
	cfg := config{boundaries: slo.DefaultBucketBoundaries(), stdin: os.Stdin}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// readPath reads a file, the spec files of a directory, or standard input.
func readPath(path string, cfg config) ([]File, error) {
	if path == "-" {
		data, err := io.ReadAll(cfg.stdin)
		if err != nil {
			return nil, fmt.Errorf("read SLO spec from standard input: %w", err)
		}
		return []File{{Name: "-", Data: data}}, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read SLO spec: %w", err)
	}
	if !info.IsDir() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read SLO spec: %w", err)
		}
		return []File{{Name: path, Data: data}}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("read SLO spec directory: %w", err)
	}
	var files []File
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		fs, err := readPath(filepath.Join(path, e.Name()), cfg)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("read SLO spec: directory %s holds no .yaml or .yml file", path)
	}
	return files, nil
}

// read splits the files into documents, hands each format its documents
// and merges what the formats read into one Spec.
func read(files []File, cfg config) (slo.Spec, []slo.Problem, error) {
	var problems []slo.Problem
	byFormat := make([][]yamldoc.Document, len(Formats))
	for _, f := range files {
		d := yamldoc.New(f.Name)
		docs := yamldoc.Split(d, f.Data)
		problems = append(problems, d.Problems...)
		if len(d.Problems) > 0 {
			continue
		}
		if len(docs) == 0 {
			problems = append(problems, slo.Problem{File: f.Name, Msg: "the file is empty: expected version, service and slos"})
			continue
		}
		for _, doc := range detect(docs) {
			if doc.format < 0 {
				key, v := doc.Version()
				problems = append(problems, unknownVersion(doc.Document, key, v))
				continue
			}
			byFormat[doc.format] = append(byFormat[doc.format], doc.Document)
		}
	}
	var out slo.Spec
	var serviceFile string
	for i, docs := range byFormat {
		if len(docs) == 0 {
			continue
		}
		s, ps := Formats[i].Decode(docs, yamldoc.Options{Boundaries: cfg.boundaries})
		problems = append(problems, ps...)
		if len(s.SLOs) == 0 {
			continue
		}
		switch {
		case out.Service == "":
			out.Service, serviceFile = s.Service, docs[0].File
		case s.Service != out.Service:
			problems = append(problems, slo.Problem{File: docs[0].File, Field: "service",
				Msg: fmt.Sprintf("service %q differs from %q (%s): the files loaded together hold the SLOs of one service", s.Service, out.Service, serviceFile)})
			continue
		}
		out.Version = slo.Version
		out.SLOs = append(out.SLOs, s.SLOs...)
	}
	problems = append(problems, duplicateNames(out)...)
	if len(slo.Errors(problems)) > 0 {
		sortProblems(problems, files)
		return slo.Spec{}, nil, &slo.ValidationError{Problems: problems}
	}
	sortProblems(problems, files)
	return out, problems, nil
}

type detected struct {
	yamldoc.Document
	format int // index in Formats, -1 for none
}

// detect tells the format of each document of one file. A document that
// names no version is of the format of the file's first document that
// does (its reader then says what is missing), or else sloguard/v1.
func detect(docs []yamldoc.Document) []detected {
	fileFormat := -1
	for _, doc := range docs {
		if key, v := doc.Version(); key != "" {
			fileFormat = formatOf(key, v)
			break
		}
	}
	out := make([]detected, len(docs))
	for i, doc := range docs {
		out[i] = detected{Document: doc, format: fileFormat}
		if key, v := doc.Version(); key != "" || fileFormat < 0 {
			out[i].format = formatOf(key, v)
		}
	}
	return out
}

// DetectFormats names the format of each document of a file, in order, as
// Load would read them ("" for a document of no known format); nil when the
// file is empty or not YAML.
func DetectFormats(f File) []string {
	docs := yamldoc.Split(yamldoc.New(f.Name), f.Data)
	var names []string
	for _, doc := range detect(docs) {
		name := ""
		if doc.format >= 0 {
			name = Formats[doc.format].Name()
		}
		names = append(names, name)
	}
	return names
}

// formatOf is the index in Formats of the format of a document, or -1.
func formatOf(key, version string) int {
	return slices.IndexFunc(Formats, func(f Format) bool { return f.Reads(key, version) })
}

func unknownVersion(doc yamldoc.Document, key, v string) slo.Problem {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = f.Name()
	}
	line := doc.Node.Line
	if n := yamldoc.Lookup(doc.Node, key); n != nil {
		line = n.Line
	}
	return slo.Problem{File: doc.File, Line: line, Field: key,
		Msg: fmt.Sprintf("unsupported %s %q: this release reads %s", key, v, strings.Join(names, ", "))}
}

// duplicateNames reports SLOs of different files, or formats, that share a
// name: each format checks the names of its own documents.
func duplicateNames(s slo.Spec) []slo.Problem {
	var ps []slo.Problem
	seen := map[string]bool{}
	for _, o := range s.SLOs {
		if seen[o.Name] {
			ps = append(ps, slo.Problem{Field: o.Name, Msg: fmt.Sprintf("the SLO name %q is given by more than one of the files loaded: SLO names are unique", o.Name)})
		}
		seen[o.Name] = true
	}
	return ps
}

// sortProblems orders problems by file, in the order given, then line.
func sortProblems(ps []slo.Problem, files []File) {
	order := map[string]int{}
	for i, f := range files {
		if _, ok := order[f.Name]; !ok {
			order[f.Name] = i
		}
	}
	slices.SortStableFunc(ps, func(a, b slo.Problem) int {
		return cmp.Or(cmp.Compare(order[a.File], order[b.File]), cmp.Compare(a.Line, b.Line))
	})
}

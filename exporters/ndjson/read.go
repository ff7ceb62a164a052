package ndjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Record is one line of the trace log. The HTTP fields (Route, Method,
// Status, Path) are empty for spans that carry no such attribute.
type Record struct {
	TS           time.Time `json:"ts"`
	Route        string    `json:"route,omitempty"`
	Method       string    `json:"method,omitempty"`
	Status       int       `json:"status,omitempty"`
	DurationMS   float64   `json:"duration_ms"`
	Path         string    `json:"path,omitempty"`
	TraceID      string    `json:"trace_id"`
	SpanID       string    `json:"span_id"`
	ParentSpanID string    `json:"parent_span_id"`
	Name         string    `json:"name"`
	Service      string    `json:"service"`
	SpanStatus   string    `json:"span_status"`
	Error        string    `json:"error,omitempty"`
}

// ReadStats says what Read found.
type ReadStats struct {
	// Records is how many lines were parsed and passed to fn.
	Records int
	// TornLastLine is set when the input ended with a line that was
	// skipped: one without its '\n', or one that does not parse. A process
	// killed in the middle of a write leaves such a line; it is never an
	// error.
	TornLastLine bool
	// TornBytes is the length of that line.
	TornBytes int
}

// Read parses the trace log from r and calls fn with each record, in order.
// A torn last line is skipped and reported in the stats; any other line that
// does not parse is an error naming its line number, as is an error from fn
// (which stops the read).
func Read(r io.Reader, fn func(Record) error) (ReadStats, error) {
	var st ReadStats
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte // a line longer than the reader's buffer
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return st, fmt.Errorf("ndjson: reading line %d: %w", lineNo, err)
		}
		if errors.Is(err, io.EOF) {
			if len(line) > 0 {
				st.TornLastLine, st.TornBytes = true, len(line)
			}
			return st, nil
		}
		var rec Record
		if perr := parseLine(line[:len(line)-1], &rec); perr != nil {
			if _, peek := br.Peek(1); errors.Is(peek, io.EOF) {
				st.TornLastLine, st.TornBytes = true, len(line)
				return st, nil
			}
			return st, fmt.Errorf("ndjson: line %d: %w", lineNo, perr)
		}
		st.Records++
		if err := fn(rec); err != nil {
			return st, fmt.Errorf("ndjson: line %d: %w", lineNo, err)
		}
	}
}

func parseLine(line []byte, rec *Record) error {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(bytes.TrimSpace(line)) == 0 {
		return errors.New("empty line")
	}
	if line[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(line, rec)
}

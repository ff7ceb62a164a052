package ndjson

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"testing/iotest"
)

// lineNumberRE finds the line an error of Read names.
var lineNumberRE = regexp.MustCompile(`\bline (\d+)\b`)

type readResult struct {
	recs  []Record
	stats ReadStats
	err   error
}

func readAll(r interface{ Read([]byte) (int, error) }) readResult {
	var out readResult
	out.stats, out.err = Read(r, func(rec Record) error {
		out.recs = append(out.recs, rec)
		return nil
	})
	return out
}

// FuzzReadNDJSON feeds Read arbitrary bytes, starting from trace logs the
// exporter wrote and damaged copies of them (testdata/fuzz/FuzzReadNDJSON).
// Read must not panic; an error names the line at fault, which exists in
// the input; the stats agree with what was passed to the callback; and
// reading the input one byte at a time gives the same answer.
func FuzzReadNDJSON(f *testing.F) {
	f.Add([]byte(`{"ts":"2025-01-02T03:04:05Z","route":"/r","method":"GET","status":200,"duration_ms":1.5,"name":"GET /r"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := readAll(bytes.NewReader(data))
		if got.stats.Records != len(got.recs) {
			t.Fatalf("stats count %d records, the callback got %d", got.stats.Records, len(got.recs))
		}
		lines := bytes.Count(data, []byte{'\n'})
		if !bytes.HasSuffix(data, []byte{'\n'}) && len(data) > 0 {
			lines++
		}
		if got.err != nil {
			m := lineNumberRE.FindStringSubmatch(got.err.Error())
			if m == nil {
				t.Fatalf("error %q names no line", got.err)
			}
			n, _ := strconv.Atoi(m[1])
			if n < 1 || n > lines {
				t.Fatalf("error %q names line %d of an input of %d lines", got.err, n, lines)
			}
			if n != got.stats.Records+1 {
				t.Fatalf("error %q after %d records: the bad line is not the one after them", got.err, got.stats.Records)
			}
			if got.stats.TornLastLine {
				t.Fatalf("an error and a torn last line at once: %v", got.err)
			}
		} else {
			if got.stats.TornLastLine != (got.stats.TornBytes > 0) || got.stats.TornBytes > len(data) {
				t.Fatalf("torn last line %v of %d bytes in %d bytes of input", got.stats.TornLastLine, got.stats.TornBytes, len(data))
			}
			if len(data) > 0 && !bytes.HasSuffix(data, []byte{'\n'}) && !got.stats.TornLastLine {
				t.Fatalf("input without a final newline read without a torn last line")
			}
			if !bytes.HasSuffix(data[:len(data)-got.stats.TornBytes], []byte{'\n'}) && len(data) > got.stats.TornBytes {
				t.Fatalf("what is left of the input after the torn line does not end a line")
			}
		}
		slow := readAll(iotest.OneByteReader(bytes.NewReader(data)))
		if fmt.Sprint(slow.stats) != fmt.Sprint(got.stats) || !sameErr(slow.err, got.err) || len(slow.recs) != len(got.recs) {
			t.Fatalf("one byte at a time: %+v %v; all at once: %+v %v", slow.stats, slow.err, got.stats, got.err)
		}
		for i := range got.recs {
			if fmt.Sprint(slow.recs[i]) != fmt.Sprint(got.recs[i]) {
				t.Fatalf("record %d differs when read one byte at a time: %+v vs %+v", i+1, slow.recs[i], got.recs[i])
			}
		}
	})
}

func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error() || errors.Is(a, b)
}

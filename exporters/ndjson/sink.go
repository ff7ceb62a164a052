package ndjson

import (
	"errors"
	"io"
	"sort"
	"syscall"
)

// sink is where encoded lines go. The Exporter calls it under its lock.
type sink interface {
	// write writes the lines of p; ends[i] is the offset just past line
	// i's '\n'. written counts the lines that became whole at the
	// destination in this call, dropped the lines of p given up on. A
	// sink may keep the rest of a line a failed write cut short and finish
	// it on the next call, in which case that line is in neither count.
	write(p []byte, ends []int) (written, dropped int, err error)
	// sync makes what was written durable as far as the destination
	// allows.
	sync() error
	// close finishes a kept line if it can, syncs and releases the
	// destination; written and dropped count that kept line.
	close() (written, dropped int, err error)
	// maxLine is the longest line, '\n' included, the sink can take;
	// 0 means no limit.
	maxLine() int
}

// writerSink writes to a caller's io.Writer, which it never closes.
type writerSink struct {
	w io.Writer
	// tail is the rest of a line that a failed Write cut short. It is
	// written before anything else, so the stream stays whole lines once
	// the writer recovers; it holds at most one line.
	tail []byte
}

func (s *writerSink) maxLine() int { return 0 }

func (s *writerSink) write(p []byte, ends []int) (written, dropped int, err error) {
	if written, err = s.finishTail(); err != nil {
		return written, len(ends), err
	}
	n, err := s.w.Write(p)
	if err == nil && n == len(p) {
		return written + len(ends), 0, nil
	}
	if err == nil {
		err = io.ErrShortWrite
	}
	whole := sort.SearchInts(ends, n+1) // lines ending at or before n
	lineStart := 0
	if whole > 0 {
		lineStart = ends[whole-1]
	}
	rest := len(ends) - whole
	if n > lineStart {
		s.tail = append(s.tail[:0], p[n:ends[whole]]...)
		rest--
	}
	return written + whole, rest, err
}

// finishTail writes the kept rest of a torn line, if any.
func (s *writerSink) finishTail() (written int, err error) {
	if len(s.tail) == 0 {
		return 0, nil
	}
	n, err := s.w.Write(s.tail)
	s.tail = s.tail[:copy(s.tail, s.tail[n:])]
	if len(s.tail) == 0 {
		return 1, err
	}
	if err == nil {
		err = io.ErrShortWrite
	}
	return 0, err
}

func (s *writerSink) sync() error {
	var errs []error
	if f, ok := s.w.(interface{ Flush() error }); ok {
		errs = append(errs, f.Flush())
	}
	if f, ok := s.w.(interface{ Sync() error }); ok {
		if err := f.Sync(); err != nil && !unsyncable(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// unsyncable reports the error fsync gives for a destination that has
// nothing to make durable (a pipe, a terminal): not a failure.
func unsyncable(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}

func (s *writerSink) close() (written, dropped int, err error) {
	if len(s.tail) > 0 {
		if written, err = s.finishTail(); len(s.tail) > 0 {
			dropped = 1
			s.tail = nil
		}
	}
	return written, dropped, errors.Join(err, s.sync())
}

package ndjson

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

// rotator is the part of *lumberjack.Logger the file sink uses; tests wrap
// it to make writes fail the way a full disk does.
type rotator interface {
	io.Writer
	Rotate() error
	Close() error
}

// fileSink writes to a file rotated by size with lumberjack.
//
// lumberjack decides on its own to rotate before a write that would take the
// file past its size, and it keeps the *os.File to itself. The sink takes
// both decisions back, so that rotation never splits a line and fsync is
// real:
//
//   - It tracks the file's size and hands lumberjack chunks of whole lines
//     that always fit in the current file, calling Rotate itself when the
//     next line would not fit. lumberjack's own rule therefore never fires.
//   - It keeps a second descriptor (fd) on the file lumberjack writes to:
//     the sink opens the path first (creating the directory and the file),
//     lumberjack opens the same file for append on its next write, and
//     after a rotation the sink opens the file lumberjack created. fsync
//     works on the file, not the descriptor, so syncing fd makes
//     lumberjack's writes durable. It syncs before every rotation (a rotated file is
//     complete on disk before it is renamed) and on ForceFlush and Shutdown,
//     with the directory after a file is created or renamed.
//   - Before each batch it checks that the path still names that file: if
//     the file or its directory was deleted or moved, lumberjack is closed
//     and reopens the path on the next write, creating the directory again.
//   - A symbolic link is never followed: fd is opened with O_NOFOLLOW,
//     after a rotation too, and the check before each batch uses Lstat,
//     so a link planted in place of the file closes lumberjack before it
//     writes and the batch fails naming the path. (lumberjack opens the
//     path itself just after that check, on the same goroutine: a link
//     swapped in within that instant is not caught.)
//   - A write cut short (a full disk) is cut back to the last whole line, so
//     the file holds only whole lines; if that is not possible the file is
//     rotated before the next write, which leaves the torn line last in a
//     rotated file where readers skip it.
type fileSink struct {
	path string
	max  int64 // bytes; the file is kept strictly below it
	lj   rotator

	size       int64    // bytes in the current file; -1 when not known
	fd         *os.File // second descriptor on lumberjack's file, for fsync
	fdInfo     os.FileInfo
	dirDirty   bool // a file was created or renamed since the last directory fsync
	mustRotate bool // the current file ends with a torn line
	lastRotate time.Time
}

func newFileSink(path string, maxSizeMB, maxBackups int) (*fileSink, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("ndjson: path %q: %w", path, err)
	}
	s := &fileSink{
		path: abs,
		max:  int64(maxSizeMB) << 20,
		size: -1,
		lj: &lumberjack.Logger{
			Filename:   abs,
			MaxSize:    maxSizeMB,
			MaxBackups: maxBackups,
		},
	}
	// Open now so that an unusable path fails New rather than the first
	// export.
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *fileSink) maxLine() int { return int(s.max - 1) }

// open opens fd on the file, creating it and its directory, and learns its
// size. Doing this before lumberjack does gives errors that wrap their
// cause (lumberjack flattens them to text); lumberjack then opens the same
// file for append on its first write.
func (s *fileSink) open() error {
	if s.fd != nil {
		return nil
	}
	if fi, err := os.Lstat(s.path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		// A link planted in place of the file would send the spans, and
		// lumberjack's truncation at rotation, to the file it names.
		return fmt.Errorf("ndjson: %s is a symbolic link: spans are written only to a regular file at that path", s.path)
	} else if err == nil && !fi.Mode().IsRegular() {
		// Opening a FIFO would block, and rotating a device would
		// rename it.
		return fmt.Errorf("ndjson: %s is not a regular file (%s)", s.path, fi.Mode().Type())
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return fmt.Errorf("ndjson: create the directory of %s: %w", s.path, err)
	}
	if err := s.openFD(os.O_CREATE); err != nil {
		return err
	}
	if s.size > 0 && !endsWithNewline(s.path, s.size) {
		// A torn last line left by a crash or a power loss: appending
		// would glue the next line onto it, in the middle of the file.
		// Rotating leaves it last in a backup, where Read skips it.
		s.mustRotate = true
	}
	if s.size >= s.max {
		// Left over full by someone else: start a new file.
		return s.rotate()
	}
	return nil
}

// endsWithNewline reports whether the file at path, size bytes long, ends
// with '\n'. A file that cannot be read is taken as whole: writing fails
// then anyway, and reports why.
func endsWithNewline(path string, size int64) bool {
	f, err := os.Open(path)
	if err != nil {
		return true
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, size-1); err != nil {
		return true
	}
	return b[0] == '\n'
}

// openFD opens fd on the path; flag adds to O_WRONLY|O_APPEND.
func (s *fileSink) openFD(flag int) error {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|noFollow|flag, 0o600)
	if err != nil {
		return fmt.Errorf("ndjson: open %s: %w", s.path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("ndjson: stat %s: %w", s.path, err)
	}
	s.fd, s.fdInfo, s.size, s.dirDirty = f, fi, fi.Size(), true
	return nil
}

// checkPath closes everything if the path no longer names the open file
// itself (Lstat: a symbolic link to it is not it), so that the next write
// opens the path again and refuses what is there if it is not a file.
func (s *fileSink) checkPath() {
	if s.fd == nil {
		return
	}
	fi, err := os.Lstat(s.path)
	if err == nil && os.SameFile(fi, s.fdInfo) {
		return
	}
	// Whatever was written went to a file that is no longer ours; make it
	// as durable as it can be before letting go.
	_ = s.fd.Sync()
	s.reset()
}

// reset closes lumberjack and fd; the next write opens the path again,
// creating its directory if it has gone.
func (s *fileSink) reset() {
	_ = s.lj.Close()
	if s.fd != nil {
		_ = s.fd.Close()
	}
	s.fd, s.fdInfo, s.size = nil, nil, -1
}

func (s *fileSink) write(p []byte, ends []int) (written, dropped int, err error) {
	s.checkPath()
	start, line := 0, 0
	for line < len(ends) {
		if err := s.open(); err != nil {
			return written, len(ends) - line, err
		}
		if s.mustRotate {
			if err := s.rotate(); err != nil {
				return written, len(ends) - line, err
			}
		}
		// The chunk is as many lines as keep the file below max.
		room := s.max - 1 - s.size
		last := line
		for last < len(ends) && int64(ends[last]-start) <= room {
			last++
		}
		if last == line {
			if s.size == 0 {
				// The Exporter never passes such a line.
				return written, len(ends) - line, fmt.Errorf("ndjson: line of %d bytes does not fit in %d-byte file", ends[line]-start, s.max)
			}
			if err := s.rotate(); err != nil {
				return written, len(ends) - line, err
			}
			continue
		}
		chunk := p[start:ends[last-1]]
		before := s.size
		n, err := s.lj.Write(chunk)
		if err != nil {
			whole := 0
			for line+whole < last && ends[line+whole]-start <= n {
				whole++
			}
			written += whole
			lineStart := start
			if whole > 0 {
				lineStart = ends[line+whole-1]
			}
			if n > lineStart-start {
				s.cutBack(before + int64(lineStart-start))
			}
			s.reset()
			return written, len(ends) - line - whole, fmt.Errorf("ndjson: write %s: %w", s.path, err)
		}
		s.size += int64(n)
		written += last - line
		line, start = last, ends[last-1]
	}
	return written, 0, nil
}

// cutBack truncates the file to size, the end of its last whole line.
func (s *fileSink) cutBack(size int64) {
	var err error
	if s.fd != nil {
		err = s.fd.Truncate(size)
	} else {
		err = os.Truncate(s.path, size)
	}
	if err != nil {
		s.mustRotate = true
	}
}

// rotate syncs the current file, then has lumberjack rename it and open a
// new one. Backup names carry the time to the millisecond, so two rotations
// in one millisecond would give the second backup the first one's name and
// overwrite it: rotate waits for the next millisecond instead.
func (s *fileSink) rotate() error {
	if s.fd != nil {
		if err := s.fd.Sync(); err != nil {
			s.reset()
			return fmt.Errorf("ndjson: fsync %s before rotation: %w", s.path, err)
		}
	}
	if ms := s.lastRotate.Truncate(time.Millisecond); !ms.IsZero() {
		if wait := time.Until(ms.Add(time.Millisecond)); wait > 0 {
			time.Sleep(wait)
		}
	}
	err := s.lj.Rotate()
	s.lastRotate = time.Now()
	if s.fd != nil {
		_ = s.fd.Close()
		s.fd, s.fdInfo = nil, nil
	}
	if err != nil {
		s.reset()
		return fmt.Errorf("ndjson: rotate %s: %w", s.path, err)
	}
	s.mustRotate = false
	// lumberjack has just created the new file.
	if err := s.openFD(0); err != nil {
		s.reset()
		return err
	}
	return nil
}

func (s *fileSink) sync() error {
	if s.fd == nil {
		return nil
	}
	if err := s.fd.Sync(); err != nil {
		return fmt.Errorf("ndjson: fsync %s: %w", s.path, err)
	}
	if s.dirDirty {
		if err := syncDir(filepath.Dir(s.path)); err != nil {
			return err
		}
		s.dirDirty = false
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("ndjson: open directory %s for fsync: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !unsyncable(err) {
		return fmt.Errorf("ndjson: fsync directory %s: %w", dir, err)
	}
	return nil
}

func (s *fileSink) close() (written, dropped int, err error) {
	s.checkPath()
	err = s.sync()
	if cerr := s.lj.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("ndjson: close %s: %w", s.path, cerr))
	}
	if s.fd != nil {
		_ = s.fd.Close()
	}
	s.fd, s.fdInfo, s.size = nil, nil, -1
	return 0, 0, err
}

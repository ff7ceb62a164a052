//go:build unix

package sqlite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// dirLock is the lock a writing Store holds on its directory: an exclusive
// flock(2) on LockFile, which the kernel releases when the process exits,
// however it exits (kill -9 included). The file stays behind with the pid of
// the last holder; only the lock counts.
type dirLock struct{ f *os.File }

// lockDir takes the lock of the directory of the store at path, or says who
// holds it.
func lockDir(path string) (*dirLock, error) {
	dir := filepath.Dir(path)
	lockPath := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, notWritable(path, dir, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("sqlite store %s: %w: data directory %s is locked by %s (it holds %s); stop it, or give this one another data directory",
				path, ErrLocked, dir, holder(f), lockPath)
		}
		return nil, fmt.Errorf("sqlite store %s: lock %s: %w", path, lockPath, err)
	}
	pid := strconv.Itoa(os.Getpid()) + "\n"
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, notWritable(path, dir, err)
	}
	if _, err := f.WriteAt([]byte(pid), 0); err != nil {
		f.Close()
		return nil, notWritable(path, dir, err)
	}
	return &dirLock{f: f}, nil
}

// holder names the process whose pid the lock file holds. The holder writes
// it just after taking the lock, so an empty file is read again for a
// moment before giving up on the pid.
func holder(f *os.File) string {
	for range 20 {
		data, err := io.ReadAll(io.NewSectionReader(f, 0, 32))
		if err == nil {
			if pid, err := strconv.Atoi(string(bytes.TrimSpace(data))); err == nil && pid > 0 {
				return "process " + strconv.Itoa(pid)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "another process"
}

// release gives the lock up; it is safe on a nil lock.
func (l *dirLock) release() error {
	if l == nil {
		return nil
	}
	return l.f.Close() // closing the last descriptor releases the flock
}

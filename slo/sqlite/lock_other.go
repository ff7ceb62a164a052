//go:build !unix

package sqlite

// dirLock is a no-op where flock(2) does not exist: one writer per data
// directory is then the operator's to ensure.
type dirLock struct{}

func lockDir(string) (*dirLock, error) { return nil, nil }

func (l *dirLock) release() error { return nil }

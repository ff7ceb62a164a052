//go:build !unix

package alertfile

// noFollow is not available here; the path is checked with Lstat instead.
const noFollow = 0

//go:build unix

package ndjson

import "syscall"

// noFollow makes opening the path fail (ELOOP) when its last element is a
// symbolic link: a link planted in place of the file must not send lines,
// or a truncation, to the file it points at.
const noFollow = syscall.O_NOFOLLOW

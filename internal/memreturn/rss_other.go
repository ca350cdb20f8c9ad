//go:build !linux

package memreturn

// RSS reports false: only Linux's /proc tells a process its resident set.
func RSS() (uint64, bool) { return 0, false }

// PidRSS reports false, as RSS does.
func PidRSS(pid int) (uint64, bool) { return 0, false }

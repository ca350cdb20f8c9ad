package memreturn

import (
	"bytes"
	"os"
	"strconv"
)

// RSS returns the resident set size of this process in bytes, from
// /proc/self/statm (its second field, in pages), and whether it could be
// read.
func RSS() (uint64, bool) { return statmRSS("/proc/self/statm") }

// PidRSS is RSS for process pid.
func PidRSS(pid int) (uint64, bool) { return statmRSS("/proc/" + strconv.Itoa(pid) + "/statm") }

func statmRSS(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}

package testtool

import (
	"os"
	"strconv"
	"strings"
)

// goCommandStderr opens the standard error of the go command that runs
// this test binary, when the binary's own output is buffered by it (its
// standard output is not the go command's) and that standard error is a
// terminal or a pipe (a file opened anew would be written at its own
// offset, over the go command's lines). The go process is found among the
// nearest ancestors by its name. It returns nil otherwise.
func goCommandStderr() *os.File {
	pid := goAncestor()
	if pid == 0 {
		return nil
	}
	proc := "/proc/" + strconv.Itoa(pid) + "/fd/"
	ours, err1 := os.Stdout.Stat()
	theirs, err2 := os.Stat(proc + "1")
	if err1 != nil || err2 != nil || os.SameFile(ours, theirs) {
		return nil // streamed: our standard output is the go command's
	}
	st, err := os.Stat(proc + "2")
	if err != nil || st.Mode()&(os.ModeCharDevice|os.ModeNamedPipe) == 0 {
		return nil
	}
	f, err := os.OpenFile(proc+"2", os.O_WRONLY, 0)
	if err != nil {
		return nil
	}
	return f
}

// goAncestor returns the pid of the nearest of the three nearest ancestors
// named go, or 0.
func goAncestor() int {
	pid := os.Getppid()
	for range 3 {
		comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if err != nil {
			return 0
		}
		if strings.TrimSpace(string(comm)) == "go" {
			return pid
		}
		if pid = parentOf(pid); pid <= 1 {
			return 0
		}
	}
	return 0
}

// parentOf reads pid's parent from /proc/pid/stat, or returns 0.
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

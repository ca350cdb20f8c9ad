package h3

import "syscall"

// Linux reports socket buffers at twice the size asked for.
const bufferReportFactor = 2

func sysFD(fd uintptr) int { return int(fd) }

// forceBuffer uses SO_RCVBUFFORCE / SO_SNDBUFFORCE, which ignore
// net.core.rmem_max and wmem_max when the process has CAP_NET_ADMIN.
func forceBuffer(rc syscall.RawConn, opt int) {
	force := syscall.SO_RCVBUFFORCE
	if opt == syscall.SO_SNDBUF {
		force = syscall.SO_SNDBUFFORCE
	}
	rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, force, socketBuffer)
	})
}

//go:build !linux && !windows

package h3

import "syscall"

const bufferReportFactor = 1

func sysFD(fd uintptr) int { return int(fd) }

func forceBuffer(syscall.RawConn, int) {}

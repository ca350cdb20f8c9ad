//go:build !unix

package main

// reexecWithXConnect does nothing where a process cannot replace itself:
// there, run trio with GODEBUG=http2xconnect=1 to get WebSockets over Go's
// HTTP/2 engine.
func reexecWithXConnect() {}

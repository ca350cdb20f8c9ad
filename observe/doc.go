// Package observe writes access logs and Prometheus metrics for a trio
// server: who asked for what, over which protocol, and how the server is
// doing.
//
// Programs that run trio as a service import it (cmd/trio through config);
// a library user who builds a [trio.Server] by hand wraps the handler with
// [Handler] and sets Server.Observer to a [*Metrics].
//
// # Access log
//
// [OpenAccessLog] opens a log that writes one line per request, as JSON
// (log/slog field names) or in Apache's combined log format. The request
// path only hands a value to a buffered writer with a goroutine of its
// own, which flushes every second and at [AccessLog.Close]. No line is
// ever dropped: when the buffer is full, requests wait. A WebSocket gets
// its line when it closes, with its duration and close code.
// [AccessLog.Reopen] reopens the file, for logrotate and reloads.
//
// # Metrics
//
// [NewMetrics] makes a registry of its own with trio's metrics, the Go
// runtime's and the process's; [Metrics.Handler] serves it. Label values
// are bounded: the protocol is one of h1, h2, h3; the site is a name from
// the configuration ([SetSite]) or "none"; the status is a class, 2xx to 5xx.
//
// # Middleware
//
// [Handler] is the outermost handler: it records each request for the log
// and the metrics. [AdminHandler] serves /metrics and /healthz for an
// admin listener.
package observe

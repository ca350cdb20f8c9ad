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
// A JSON line has the fields slog.JSONHandler would write for the record
// (and the same encoding): time, level ("INFO"), msg ("request"), remote
// (address and port), host, method, uri (as the client sent it), proto
// (HTTP/1.1, HTTP/2.0 or HTTP/3.0, also for an extended CONNECT), status,
// bytes (body bytes written; for a WebSocket, the payload bytes of the
// frames sent), duration (seconds, until the handler returned or the
// WebSocket closed), tls ("1.3"; absent in cleartext), stream (the HTTP/2
// or HTTP/3 stream id, on trio's engines), site ("none" when no site took
// the request), referer and user_agent when sent, and for a WebSocket
// websocket (true) and close_code. A combined line is Apache's combined
// format followed by host=, duration=, tls=, stream=, site= and
// close_code= for what that format lacks.
//
// # Metrics
//
// [NewMetrics] makes a registry of its own with trio's metrics, the Go
// runtime's and the process's; [Metrics.Handler] serves it. Label values
// are bounded: the protocol is one of h1, h2, h3; the site is a name from
// the configuration ([SetSite]) or "none"; the status is a class, 1xx to
// 5xx. The metrics:
//
//	trio_http_requests_total{protocol,site,code}           counter
//	trio_http_response_bytes_total{protocol,site,code}     counter
//	trio_http_request_duration_seconds{protocol,site,code} histogram (not WebSockets)
//	trio_connections_open{protocol}                        gauge (h2, h3: trio's engines)
//	trio_streams_open{protocol}                            gauge (h2, h3: trio's engines)
//	trio_websockets_open{protocol}                         gauge
//	trio_tls_handshakes_total{transport,result}            counter (tcp or quic; ok or failed)
//	trio_certificate_expiry_timestamp_seconds{name}        gauge, read at scrape ([Metrics.SetCertExpiry])
//	trio_config_reloads_total{result}                      counter (ok or failed)
//	trio_config_last_reload_success_timestamp_seconds      gauge (start-up counts as a load)
//
// and the go_ and process_ metrics of the Go runtime and process
// collectors.
//
// # Middleware
//
// [Handler] is the outermost handler: it records each request for the log
// and the metrics. [AdminHandler] serves /metrics and /healthz for an
// admin listener.
package observe

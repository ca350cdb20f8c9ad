// Package lab is trio's protocol lab: an impaired network link on which
// HTTP/1.1, HTTP/2 and HTTP/3 can be compared under real packet loss, the
// lab page that shows a class each protocol's waterfall behind it, and a
// headless run that measures them.
//
// Import it to build a classroom tool or an experiment; cmd/trio's
// `trio lab` is one.
//
// # The link
//
// [NewLink] creates a network namespace, trio-lab-<pid>, joined to the
// host's by a userspace link: a TUN device in each namespace, and Go
// copying IP packets between them, dropping (with a seeded generator),
// delaying, jittering and rate-limiting each one as its [Impairment] says.
// Because whole IP packets are lost, TCP sees real loss and retransmits;
// QUIC over UDP sees the same loss, packet for packet. A server listens
// inside the namespace ([Link.Listen], [Link.ListenUDP]); clients in the
// host namespace (Go clients, a browser) dial [Link.ServerIP].
//
// TCP listeners in the namespace use CUBIC ([DefaultTCPCongestion]), the
// congestion control of quic-go, whatever the host's default (often BBR,
// which ignores random loss): the comparison is of the protocols, not of
// their congestion controllers.
//
// The link needs root (CAP_NET_ADMIN) on Linux; [NewLink] returns
// [ErrNeedRoot] otherwise. Without root, [NewUDPRelay] impairs UDP on
// loopback only: HTTP/3 is impaired, TCP is not.
//
// # The lab page
//
// [Serve] serves the lab page on three origins of one server behind the
// link: h1 speaks only HTTP/1.1, h2 only HTTP/2, h3 HTTP/3 over QUIC. The
// page loads [Resources] from the origin chosen and draws a waterfall of
// the browser's timings beside the server's record of the same page load
// (connection and stream of each request, when it arrived, first and last
// byte written), fetched from /lab/api/run/{id}; it changes the link's
// impairment through POST /lab/api/impairment. [Lab.Banner] tells how to
// open each origin in Chromium and Firefox. With [Config.NoLink] (no
// root) the origins are on 127.0.0.1, HTTP/3 through a [UDPRelay].
//
// # The headless run
//
// [Run] serves [Resources] from trio's own engines inside the namespace
// and fetches them with Go clients as a browser would (six HTTP/1.1
// connections, one HTTP/2 connection, one QUIC connection), several times
// per protocol and loss rate with seeded drops, and reports the median and
// 95th percentile page-complete time, the per-resource stall (see
// [Result]) and the connections it measured. [ChartSVG] draws the results;
// `trio lab --run` prints them.
package lab

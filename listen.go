package trio

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"

	"github.com/triohttp/trio/h3"
)

// Listeners are the sockets a Server serves: TLS[i] and QUIC[i] share a host
// and port number. Listen fills them; tests and callers that bind their own
// sockets may fill them too.
type Listeners struct {
	TLS       []net.Listener   // TCP; Serve adds TLS
	QUIC      []net.PacketConn // UDP, for HTTP/3; empty when HTTP/3 is off
	Cleartext []net.Listener   // TCP, for HTTP/1.1 and h2c or the redirect
}

// Close closes every socket.
func (ls *Listeners) Close() error {
	var errs []error
	for _, l := range ls.TLS {
		errs = append(errs, l.Close())
	}
	for _, c := range ls.QUIC {
		errs = append(errs, c.Close())
	}
	for _, l := range ls.Cleartext {
		errs = append(errs, l.Close())
	}
	return errors.Join(errs...)
}

// URLs returns the base URL of each listener, https first.
func (ls *Listeners) URLs() []string {
	var urls []string
	for _, l := range ls.TLS {
		urls = append(urls, "https://"+urlHost(l.Addr()))
	}
	for _, l := range ls.Cleartext {
		urls = append(urls, "http://"+urlHost(l.Addr()))
	}
	return urls
}

// urlHost turns a bound address into the host part of a URL, naming
// wildcard addresses "localhost" so the URL can be opened as is.
func urlHost(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := ta.IP.String()
	switch {
	case ta.IP.IsUnspecified():
		host = "localhost"
	case ta.IP.To4() == nil:
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(ta.Port)
}

// Listen binds Addr on TCP and, unless HTTP/3 is off, the same port number
// on UDP, plus HTTPAddr when set. A host of "localhost" binds 127.0.0.1 and
// ::1 (browsers try ::1 first). Port 0 picks one free port for all of them.
func (s *Server) Listen() (*Listeners, error) {
	return s.ListenAt(s.addr(), s.HTTPAddr)
}

// ListenAt binds addr as Listen binds Addr (TCP, and UDP unless HTTP/3 is
// off) and httpAddr as Listen binds HTTPAddr; either may be "" for none. A
// running Server serves the result with ServeListeners next to the
// listeners it has, and then Retires the old ones: so an address changes
// with every new connection accepted and every open one kept.
func (s *Server) ListenAt(addr, httpAddr string) (*Listeners, error) {
	ls := new(Listeners)
	if addr != "" {
		tcp, udp, err := listenHosts(addr, !s.H3.Disable, s)
		if err != nil {
			return nil, fmt.Errorf("trio: %w", err)
		}
		ls.TLS, ls.QUIC = tcp, udp
	}
	if httpAddr != "" {
		tcp, _, err := listenHosts(httpAddr, false, s)
		if err != nil {
			ls.Close()
			return nil, fmt.Errorf("trio: cleartext listener: %w", err)
		}
		ls.Cleartext = tcp
	}
	return ls, nil
}

// listenHosts binds addr's port on every host addr names, on TCP and, if
// withUDP, on UDP. With port 0 it retries until one port number is free on
// all of them.
func listenHosts(addr string, withUDP bool, s *Server) ([]net.Listener, []net.PacketConn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("address %q: %w", addr, err)
	}
	hosts := []string{host}
	if host == "localhost" {
		hosts = []string{"127.0.0.1", "::1"}
	}
	const tries = 20
	for try := 0; ; try++ {
		tcp, udp, err := bindAll(hosts, port, withUDP, s)
		if err == nil || port != "0" || try == tries || !errors.Is(err, syscall.EADDRINUSE) {
			return tcp, udp, err
		}
	}
}

// bindAll binds port on every host; port "0" is resolved by the first bind.
// A host that is missing (no IPv6 loopback) is skipped if another one bound.
func bindAll(hosts []string, port string, withUDP bool, s *Server) (tcp []net.Listener, udp []net.PacketConn, err error) {
	defer func() {
		if err != nil {
			(&Listeners{TLS: tcp, QUIC: udp}).Close()
			tcp, udp = nil, nil
		}
	}()
	for _, host := range hosts {
		l, err := net.Listen("tcp", net.JoinHostPort(host, port))
		if err != nil {
			if len(hosts) > 1 && isAddrNotAvail(err) {
				s.logger().Warn("trio: skipping unavailable address", "host", host, "error", err)
				continue
			}
			return tcp, udp, err
		}
		tcp = append(tcp, l)
		port = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		if withUDP {
			c, err := h3.ListenUDP("udp", net.JoinHostPort(host, port), s.logger())
			if err != nil {
				return tcp, udp, err
			}
			udp = append(udp, c)
		}
	}
	if len(tcp) == 0 {
		return nil, nil, fmt.Errorf("no address of %v could be bound", hosts)
	}
	return tcp, udp, nil
}

func isAddrNotAvail(err error) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT)
}

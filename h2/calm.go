package h2

import (
	"net"
	"net/netip"
	"time"

	"golang.org/x/net/http2"
)

// Rapid reset over many connections: a connection's resets budget holds
// resetsFull tokens, so a client that reconnects each time it is told
// ENHANCE_YOUR_CALM would get a full budget again each time, and make the
// server start resetsFull streams per connection. A Server remembers for
// calmFor the addresses it closed a connection of for too many resets;
// their new connections start with calmBurst tokens, and each stream
// whose response completes raises their burst by one, up to resetsFull.
// Clients that never exhaust the budget, browsers resetting the streams
// of a page they leave among them, start with the full budget.
const (
	calmFor   = time.Minute
	calmBurst = 16
	calmMax   = 4096 // addresses remembered
)

// calmAddr is the address a client is remembered under: its IP, IPv6 by
// its /64.
func calmAddr(addr net.Addr) (netip.Addr, bool) {
	var ip netip.Addr
	switch a := addr.(type) {
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	default:
		if addr == nil {
			return ip, false
		}
		ap, err := netip.ParseAddrPort(addr.String())
		if err != nil {
			return ip, false
		}
		ip = ap.Addr()
	}
	if !ip.IsValid() {
		return ip, false
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		ip = p.Addr()
	}
	return ip, true
}

// resetsExhausted remembers addr as a client closed for too many resets.
func (s *Server) resetsExhausted(addr net.Addr, now time.Time) {
	ip, ok := calmAddr(addr)
	if s == nil || !ok {
		return
	}
	s.calmMu.Lock()
	defer s.calmMu.Unlock()
	if s.calm == nil {
		s.calm = make(map[netip.Addr]time.Time)
	}
	if len(s.calm) >= calmMax {
		for k, t := range s.calm {
			if now.Sub(t) > calmFor {
				delete(s.calm, k)
			}
		}
		for k := range s.calm { // still full: forget one
			if len(s.calm) < calmMax {
				break
			}
			delete(s.calm, k)
		}
	}
	s.calm[ip] = now
}

// firstResets is the burst a new connection from addr starts its resets
// budget with: calmBurst if addr was closed for too many resets in the
// last calmFor, else full.
func (s *Server) firstResets(addr net.Addr, full float64, now time.Time) float64 {
	ip, ok := calmAddr(addr)
	if s == nil || !ok {
		return full
	}
	s.calmMu.Lock()
	defer s.calmMu.Unlock()
	t, seen := s.calm[ip]
	switch {
	case !seen:
		return full
	case now.Sub(t) > calmFor:
		delete(s.calm, ip)
		return full
	}
	return min(calmBurst, full)
}

// tooManyResets is the connection error of a client past its resets
// budget; its address is remembered.
func (c *conn) tooManyResets() error {
	c.srv.resetsExhausted(c.nc.RemoteAddr(), time.Now())
	return connErr(http2.ErrCodeEnhanceYourCalm, "too many resets")
}

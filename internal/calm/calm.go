// Package calm remembers, for a while, the client addresses a server
// closed a connection of for abuse (HTTP/2's ENHANCE_YOUR_CALM, HTTP/3's
// H3_EXCESSIVE_LOAD), so that their next connections start with a small
// budget instead of a fresh full one: reconnecting then costs the client
// a handshake for a few resets, not the server a full budget of streams.
package calm

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

const (
	// For is how long an address is remembered after its last offence.
	For = time.Minute
	// Burst is the budget a remembered address's new connections start with.
	Burst = 16
	// Max is how many addresses are remembered at most.
	Max = 4096
)

// A Memory is the addresses closed for abuse. The zero value is empty and
// ready to use; it is safe for concurrent use, and its lock is taken last.
type Memory struct {
	mu sync.Mutex
	m  map[netip.Addr]time.Time
}

// Addr is the address a client is remembered under: its IP, IPv6 by its
// /64.
func Addr(addr net.Addr) (netip.Addr, bool) {
	var ip netip.Addr
	switch a := addr.(type) {
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case *net.UDPAddr:
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

// Offended remembers addr as closed for abuse at now.
func (m *Memory) Offended(addr net.Addr, now time.Time) {
	ip, ok := Addr(addr)
	if m == nil || !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[netip.Addr]time.Time)
	}
	if len(m.m) >= Max {
		for k, t := range m.m {
			if now.Sub(t) > For {
				delete(m.m, k)
			}
		}
		for k := range m.m { // still full: forget one
			if len(m.m) < Max {
				break
			}
			delete(m.m, k)
		}
	}
	m.m[ip] = now
}

// First is the burst a new connection from addr starts with: Burst if
// addr offended in the last For, else full.
func (m *Memory) First(addr net.Addr, full float64, now time.Time) float64 {
	ip, ok := Addr(addr)
	if m == nil || !ok {
		return full
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, seen := m.m[ip]
	switch {
	case !seen:
		return full
	case now.Sub(t) > For:
		delete(m.m, ip)
		return full
	}
	return min(Burst, full)
}

// Len is how many addresses are remembered.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}

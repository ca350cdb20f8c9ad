package lab

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Impairment is what the link does to every IP packet, each direction
// alike, for TCP and UDP. The zero value passes packets unchanged.
type Impairment struct {
	// Loss is the probability that a packet is dropped, 0 to 1.
	Loss float64

	// Delay is added to every packet, one way: a round trip takes twice
	// Delay more than it would.
	Delay time.Duration

	// Jitter varies each packet's delay uniformly within ±Jitter around
	// Delay. Packets are never reordered: a packet whose draw would
	// overtake the one before it leaves just after it.
	Jitter time.Duration

	// Rate limits each direction to this many bytes per second; packets
	// queue behind each other, and a packet that would wait longer than
	// [QueueLimit] in the queue is dropped. 0 means unlimited.
	Rate int64

	// Seed makes the drop pattern reproducible: the n-th packet in a
	// direction is dropped or not by the same draw for the same Seed.
	Seed uint64
}

// QueueLimit bounds how long a packet may wait behind others when
// Impairment.Rate is set, like a router's buffer; a packet that would wait
// longer is dropped and counted in DirStats.Overflow.
const QueueLimit = 100 * time.Millisecond

// String describes imp briefly, such as "loss 2% delay 20ms".
func (imp Impairment) String() string {
	s := fmt.Sprintf("loss %g%% delay %v", imp.Loss*100, imp.Delay)
	if imp.Jitter > 0 {
		s += fmt.Sprintf(" jitter ±%v", imp.Jitter)
	}
	if imp.Rate > 0 {
		s += fmt.Sprintf(" rate %d kB/s", imp.Rate/1000)
	}
	return s
}

func (imp Impairment) validate() error {
	switch {
	case imp.Loss < 0 || imp.Loss > 1 || imp.Loss != imp.Loss:
		return fmt.Errorf("lab: loss %v is not a probability between 0 and 1", imp.Loss)
	case imp.Delay < 0 || imp.Jitter < 0 || imp.Rate < 0:
		return errors.New("lab: delay, jitter and rate must not be negative")
	case imp.Jitter > imp.Delay:
		return fmt.Errorf("lab: jitter %v is larger than delay %v", imp.Jitter, imp.Delay)
	}
	return nil
}

// DefaultTCPCongestion is the congestion control of the lab namespace's
// TCP listeners unless Link.SetTCPCongestion says otherwise: CUBIC,
// quic-go's, so that comparing TCP with QUIC
// compares the protocols rather than their congestion controllers (a host
// may default to BBR, which ignores random loss).
const DefaultTCPCongestion = "cubic"

// ErrNeedRoot is returned by NewLink when the process may not create
// network namespaces and TUN devices.
var ErrNeedRoot = errors.New("lab: the impaired link needs root (CAP_NET_ADMIN) for a network namespace and TUN devices")

// LinkStats counts what the link did, each way.
type LinkStats struct {
	Up   DirStats // host to lab namespace (client to server)
	Down DirStats // lab namespace to host (server to client)
}

// DirStats counts the IPv4 packets of one direction of a link.
type DirStats struct {
	Packets  uint64 // delivered
	Bytes    uint64 // delivered, IP headers included
	Dropped  uint64 // dropped by Impairment.Loss
	Overflow uint64 // dropped because the rate queue was full (see QueueLimit)
}

// A Link is a network namespace joined to the host's by a userspace link (a
// TUN device on each side, packets copied by Go with loss, delay, jitter
// and rate applied), so TCP sees real loss and real retransmissions.
//
// Servers listen inside the namespace with Listen and ListenUDP; clients in
// the host namespace dial ServerIP. Close removes the namespace and both
// devices.
type Link struct {
	name   string     // namespace name, trio-lab-<pid>[-<n>]
	server netip.Addr // in the lab namespace
	host   netip.Addr // the host side's address
	nsfd   int        // the namespace, for setns
	up     *pipe      // host -> lab
	down   *pipe      // lab -> host

	imp atomic.Pointer[Impairment]
	cc  atomic.Pointer[string] // TCP congestion control of new listeners

	closeOnce sync.Once
	closeErr  error
	closers   []func() error // run in reverse order by Close
}

// ServerIP is the address of the lab side of the link: servers listening
// in the namespace are reached on it from the host namespace.
func (l *Link) ServerIP() netip.Addr { return l.server }

// HostIP is the address of the host side of the link, the source address
// of connections from the host to ServerIP.
func (l *Link) HostIP() netip.Addr { return l.host }

// Namespace is the name of the lab network namespace, as `ip netns list`
// shows it: `ip netns exec NAME ss -ti` shows its sockets' retransmissions.
func (l *Link) Namespace() string { return l.name }

// Impairment returns what the link currently does to packets.
func (l *Link) Impairment() Impairment { return *l.imp.Load() }

// Set changes the impairment from the next packet on; packets already
// queued keep theirs. The drop pattern starts afresh from imp.Seed, so that
// a run begun after Set(imp) sees the same drops as another begun after the
// same Set. Set ignores an invalid imp (see NewLink) and returns its error.
func (l *Link) Set(imp Impairment) error {
	if err := imp.validate(); err != nil {
		return err
	}
	l.imp.Store(&imp)
	l.up.reseed(imp.Seed)
	l.down.reseed(imp.Seed)
	return nil
}

// Stats returns the packets and bytes passed and dropped so far, each way.
func (l *Link) Stats() LinkStats {
	return LinkStats{Up: l.up.stats(), Down: l.down.stats()}
}

// Close removes the namespace and both devices, and stops copying. Sockets
// still open in the namespace keep it alive, unnamed, until they close; the
// caller should close its listeners first.
func (l *Link) Close() error {
	l.closeOnce.Do(func() {
		var errs []error
		for i := len(l.closers) - 1; i >= 0; i-- {
			errs = append(errs, l.closers[i]())
		}
		l.closeErr = errors.Join(errs...)
	})
	return l.closeErr
}

// Listen announces on the TCP network address addr inside the lab
// namespace, as net.Listen does: ":0" is any port on ServerIP. The
// connections it accepts use TCPCongestion's congestion control, if the
// kernel has it.
func (l *Link) Listen(network, addr string) (net.Listener, error) {
	var ln net.Listener
	err := l.inNS(func() (err error) {
		ln, err = net.Listen(network, addr)
		return err
	})
	if err != nil {
		return nil, err
	}
	algo := l.TCPCongestion()
	if err := setCongestion(ln, algo); err != nil && algo != DefaultTCPCongestion {
		ln.Close()
		return nil, fmt.Errorf("lab: TCP congestion control %q: %w", algo, err)
	}
	return ln, nil
}

// TCPCongestion returns the congestion control that Listen gives new
// listeners (see SetTCPCongestion).
func (l *Link) TCPCongestion() string { return *l.cc.Load() }

// ListenUDP opens a UDP socket on addr inside the lab namespace, as
// net.ListenUDP does; quic-go serves HTTP/3 on it.
func (l *Link) ListenUDP(network, addr string) (*net.UDPConn, error) {
	var c *net.UDPConn
	err := l.inNS(func() error {
		ua, err := net.ResolveUDPAddr(network, addr)
		if err != nil {
			return err
		}
		c, err = net.ListenUDP(network, ua)
		return err
	})
	return c, err
}

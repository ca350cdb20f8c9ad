package lab

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// openTUN creates a TUN device (IP packets, no packet information header)
// in the calling thread's network namespace, named name, up, with address
// addr/bits. The device goes when the returned file closes.
func openTUN(name string, addr netip.Addr, bits int) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("opening /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("creating TUN device %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), "tun "+name) // non-blocking: Go's poller reads it
	if err := ifUp(name); err != nil {
		f.Close()
		return nil, err
	}
	if err := addAddr(name, addr, bits); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ifUp sets the interface up, in the calling thread's namespace.
func ifUp(name string) error {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("reading flags of %s: %w", name, err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
	}
	return nil
}

// ifIndex returns the interface's index in the calling thread's namespace.
func ifIndex(name string) (uint32, error) {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, fmt.Errorf("index of %s: %w", name, err)
	}
	return ifr.Uint32(), nil
}

// addAddr gives the interface the IPv4 address addr/bits over rtnetlink,
// as `ip addr add` does; the kernel adds the route to the prefix.
func addAddr(name string, addr netip.Addr, bits int) error {
	idx, err := ifIndex(name)
	if err != nil {
		return err
	}
	a := addr.As4()
	msg := binary.NativeEndian.AppendUint32(nil, 0) // length, set below
	msg = binary.NativeEndian.AppendUint16(msg, unix.RTM_NEWADDR)
	msg = binary.NativeEndian.AppendUint16(msg, unix.NLM_F_REQUEST|unix.NLM_F_ACK|unix.NLM_F_CREATE|unix.NLM_F_EXCL)
	msg = binary.NativeEndian.AppendUint32(msg, 1) // sequence
	msg = binary.NativeEndian.AppendUint32(msg, 0) // port: the kernel's
	msg = append(msg, unix.AF_INET, byte(bits), 0, unix.RT_SCOPE_UNIVERSE)
	msg = binary.NativeEndian.AppendUint32(msg, idx)
	for _, typ := range []uint16{unix.IFA_LOCAL, unix.IFA_ADDRESS} {
		msg = binary.NativeEndian.AppendUint16(msg, 8) // rtattr length: 4 + 4
		msg = binary.NativeEndian.AppendUint16(msg, typ)
		msg = append(msg, a[:]...)
	}
	binary.NativeEndian.PutUint32(msg, uint32(len(msg)))
	if err := netlinkDo(msg); err != nil {
		return fmt.Errorf("adding %v/%d to %s: %w", addr, bits, name, err)
	}
	return nil
}

// netlinkDo sends one rtnetlink request and waits for its acknowledgement.
func netlinkDo(msg []byte) error {
	s, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer unix.Close(s)
	if err := unix.Sendto(s, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	for {
		n, _, err := unix.Recvfrom(s, buf, 0)
		if err != nil {
			return err
		}
		for b := buf[:n]; len(b) >= unix.NLMSG_HDRLEN; {
			l := int(binary.NativeEndian.Uint32(b))
			typ := binary.NativeEndian.Uint16(b[4:])
			if l < unix.NLMSG_HDRLEN || l > len(b) {
				return fmt.Errorf("netlink: bad message length %d", l)
			}
			if typ == unix.NLMSG_ERROR {
				if l < unix.NLMSG_HDRLEN+4 {
					return fmt.Errorf("netlink: short error message")
				}
				if code := int32(binary.NativeEndian.Uint32(b[unix.NLMSG_HDRLEN:])); code != 0 {
					return unix.Errno(-code)
				}
				return nil
			}
			b = b[(l+unix.NLMSG_ALIGNTO-1)&^(unix.NLMSG_ALIGNTO-1):]
		}
	}
}

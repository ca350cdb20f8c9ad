//go:build !linux

package lab

import (
	"errors"
	"net"
)

var errNotLinux = errors.New("lab: the impaired link needs Linux (network namespaces and TUN devices)")

// NewLink returns an error: the impaired link needs Linux.
func NewLink(imp Impairment) (*Link, error) {
	if err := imp.validate(); err != nil {
		return nil, err
	}
	return nil, errNotLinux
}

func (l *Link) inNS(f func() error) error { return errNotLinux }

func (l *Link) tcpRetrans() uint64 { return 0 }

// SetTCPCongestion returns an error: the impaired link needs Linux.
func (l *Link) SetTCPCongestion(algo string) error { return errNotLinux }

func setCongestion(ln net.Listener, algo string) error { return errNotLinux }

//go:build !linux

package lab

import (
	"errors"
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

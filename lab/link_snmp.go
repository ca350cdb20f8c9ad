package lab

import (
	"strconv"
	"strings"
)

// snmpField returns the named counter from /proc/net/snmp's text, where a
// line of names follows prefix and the next such line holds the values.
func snmpField(text, prefix, name string) uint64 {
	var names []string
	for line := range strings.SplitSeq(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != prefix {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, n := range names {
			if n == name && i < len(f) {
				v, _ := strconv.ParseUint(f[i], 10, 64)
				return v
			}
		}
		return 0
	}
	return 0
}

package cluster

// Hooks for the external tests (package cluster_test).

// RefreshMembers rewrites b's members now, as its refresher does every
// memberTTL/3.
func (b *Broker) RefreshMembers() {
	for _, p := range b.held() {
		b.refresh(p)
	}
}

// Holds reports whether b still keeps member id of room present.
func (b *Broker) Holds(room, id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.presences[presenceKey(room, id)] != nil
}

// ShutdownNATS stops c's embedded node as if its machine were lost,
// leaving the rest of the instance running: the connection moves to the
// other nodes of the cluster.
func (c *Cluster) ShutdownNATS() { c.stopNATS() }

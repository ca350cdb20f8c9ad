// Package cluster lets trio instances share WebSocket rooms and
// certificates through NATS: an external NATS cluster reached with
// nats.go, or NATS nodes embedded in the instances themselves
// (nats-server/v2) that route to each other and form a real NATS cluster,
// with JetStream. cmd/trio and config import it for the [cluster] table;
// programs that build a hub.Hub by hand use Start or NewBroker.
//
//	c, err := cluster.Start(ctx, cluster.Config{
//		Embedded:      true,
//		ClusterListen: ":6222",
//		Routes:        []string{"nats-route://b:6222", "nats-route://c:6222"},
//	}, logger)
//	h := &hub.Hub{Broker: c.Broker()}
//
// # Failures
//
// With no NATS server reachable at start, Start's error names every server
// it tried; with Config.LocalOnly it runs on hub.NewLocal instead. A NATS
// node lost later is a reconnect to another node: publishes are retried
// (with the same Nats-Msg-Id, so stored once) and subscriptions fetch from
// the stream what fan-out lost meanwhile. An instance that dies without
// closing leaves presences that age out within PresenceTTL.
//
// # History and sequence numbers
//
// A Broker keeps the rooms of one prefix in one JetStream stream, a
// subject per room ("trio.hub.room.<room>"), with MaxMsgsPerSubject =
// History, an optional MaxAge, and DiscardOld. A message's sequence number
// is its stream sequence: strictly increasing within a room, not by steps
// of one.
//
// Every message carries a Trio-Prev header: the sequence number of the
// room's message before it (0 for none). The publisher writes it together
// with Nats-Expected-Last-Subject-Sequence set to the same number, so
// JetStream stores the message only if Trio-Prev is indeed the room's last
// stored message; a publisher that lost that race to another instance
// reads the room's last message and tries again. The room is thus a chain
// in which every stored message names its predecessor exactly.
//
// # Gap detection
//
// Limits remove a room's oldest messages first (MaxMsgsPerSubject) or a
// prefix of the whole stream (MaxAge), so what a room still holds is always
// the end of its chain. Subscribe(after) reads the room's first stored
// message with a sequence number above after. If its Trio-Prev is above
// after, the message Trio-Prev names came after after and is gone: a
// *hub.GapError whose Oldest is that first stored message. Otherwise
// nothing after after is missing. When the room holds nothing above after,
// either it said nothing since after (no gap) or everything it held aged
// out: the broker reports a gap only in the second case, known when the
// room holds nothing at all and the stream's first sequence number is
// above after+1; a sequence number the stream never gave (a stream made
// anew) is a gap too.
//
// # Fan-out
//
// The stream republishes each stored message (RePublish) on a core NATS
// subject, "trio.hub.live.<room>", with its stream sequence and time. A
// Subscribe subscribes to that subject once, before it reads the stream,
// so the seam between history and live has no hole; a message crosses NATS
// once per subscribing instance (the hub shares one Subscribe per instance
// and room among its members). Core NATS may drop or, across a leader
// change, reorder a message; the chain makes that visible. A subscription
// keeps pos, the last sequence number it delivered:
//
//   - a message at or below pos is a duplicate, dropped;
//   - a message whose Trio-Prev is at most pos follows pos, delivered;
//   - a message whose Trio-Prev is above pos comes after a loss: the
//     subscription first reads the stream from pos on (fill), delivering
//     what it missed in order, then this message if it is not already
//     delivered;
//   - a loss with nothing after it (the room's last message) is found by a
//     check of the room's last sequence number every second the
//     subscription heard nothing.
//
// So each subscriber gets every message once, in order, wherever it was
// published. A fill that finds the chain broken (the instance was cut off
// for longer than History messages took to pass) ends the subscription:
// its Done channel closes and Err returns the *hub.GapError. Broker.Stats
// counts deliveries live and recovered from the stream, duplicates dropped,
// and publishes retried.
//
// # Presence
//
// Announce writes the member to a key-value bucket ("trio_hub_presence",
// key "<room>.m<base64url(id)>") with the id of the broker announcing it;
// leave and Close delete it. Each broker also keeps a beat in a second
// bucket ("trio_hub_instances"), rewritten every PresenceTTL/4 and expiring
// after 3/4 of it. Present lists the room's members whose broker still has
// a beat, so what an instance writes to stay present does not grow with
// its members, and the members of a dead instance vanish with its beat,
// within PresenceTTL (by the NATS servers' clocks); Present then deletes
// them.
//
// # Certificates
//
// Storage (storage.go) is a certmagic.Storage on the JetStream key-value
// bucket "trio_certs" (R3 with three nodes): certificates, ACME accounts
// and challenge tokens, and certmagic's locks, so that instances order each
// certificate once. Keys are escaped to KV keys one path component per
// token; locks are refreshed by their holder and taken over by
// compare-and-set once unrefreshed for LockTTL. config's
// cert_storage = "nats" uses it.
package cluster

// Package hub is for WebSocket applications whose rooms (a chat, a ticker,
// a game) must span several trio instances: members join a room on
// whichever instance their connection reached, and every member gets every
// message of the room, in order, exactly once.
//
// Handlers import it; they own the connection, the hub owns the rooms. A
// [Hub] holds this instance's members, each with a bounded queue; a
// [Broker] carries messages between instances and keeps each room's
// bounded history, so a client that reconnects (to any instance) with the
// last sequence number it saw gets what it missed and then the live
// stream, or a [GapError] that says plainly the history no longer reaches
// back that far.
//
// # Brokers
//
// [NewLocal] is the in-process broker, for one instance (the Hub's
// default). cluster.NewBroker is the NATS one: JetStream keeps the history
// and numbers the messages, core NATS subjects fan them out. Package
// [github.com/triohttp/trio/hub/hubtest] is the conformance suite both
// pass; a new Broker should too.
//
// # Fan-out
//
// An instance subscribes once per room, however many members it holds
// there, so a message crosses the broker once per instance. The room keeps
// a ring of its latest messages; each member reads it at its own cursor,
// and one that falls Queue messages behind is dropped ([ErrSlow]) rather
// than hold the room back. A member joining with after reads the history
// from its own subscription until that reaches a message the ring holds,
// then moves to the ring; the hub drops what it has seen by sequence
// number, so the seam has neither gap nor duplicate.
//
// # Presence
//
// Join announces the member through the broker, Leave withdraws it, and
// Present lists a room's members on every instance. A member of an
// instance that died ages out within [PresenceTTL].
package hub

package h3

// Engine names an HTTP/3 server implementation.
type Engine string

// Engines trio can serve HTTP/3 with.
const (
	// EngineStd is quic-go's http3.Server.
	EngineStd Engine = "std"
	// EngineTrio is this package's engine, built on quic-go's QUIC layer.
	EngineTrio Engine = "trio"
)

// defaultEngine is the engine used when Config.Engine is empty: trio's,
// which passes every HTTP/3 case of trio's conformance checker.
const defaultEngine = EngineTrio

// SelectedEngine returns the engine in effect: c.Engine, or the default
// when it is empty or c is nil.
func (c *Config) SelectedEngine() Engine {
	if c == nil || c.Engine == "" {
		return defaultEngine
	}
	return c.Engine
}

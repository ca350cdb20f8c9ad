package h1

// Engine names an HTTP/1.1 server implementation.
type Engine string

// Engines trio can serve HTTP/1.1 with.
const (
	// EngineStd is Go's net/http server, behind the framing checks of
	// [Config.Listener] and [Config.TLSListener].
	EngineStd Engine = "std"
	// EngineTrio is this package's engine, [Server].
	EngineTrio Engine = "trio"
)

// defaultEngine is the engine used when Config.Engine is empty.
const defaultEngine = EngineTrio

// SelectedEngine returns the engine in effect: c.Engine, or the default
// when it is empty or c is nil.
func (c *Config) SelectedEngine() Engine {
	if c == nil || c.Engine == "" {
		return defaultEngine
	}
	return c.Engine
}

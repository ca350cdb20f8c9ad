package h2

// Engine names an HTTP/2 server implementation.
type Engine string

// Engines trio can serve HTTP/2 with.
const (
	// EngineStd is Go's built-in HTTP/2 server (net/http).
	EngineStd Engine = "std"
	// EngineTrio is this package's engine, [Config.ServeConn].
	EngineTrio Engine = "trio"
)

// defaultEngine is the engine used when Config.Engine is empty: trio's,
// which passes h2spec fully (TestH2Spec).
const defaultEngine = EngineTrio

// SelectedEngine returns the engine in effect: c.Engine, or the default
// when it is empty or c is nil.
func (c *Config) SelectedEngine() Engine {
	if c == nil || c.Engine == "" {
		return defaultEngine
	}
	return c.Engine
}

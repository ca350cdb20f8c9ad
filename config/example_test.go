package config_test

import (
	"fmt"
	"log/slog"

	"github.com/triohttp/trio/config"
)

func ExampleLoad() {
	c, err := config.Load("testdata/two-sites/trio.toml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range c.Sites {
		fmt.Println(s.Name, s.Hosts, "spa:", s.SPA)
	}
	b, err := c.Build(slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Handler != nil, b.TLS.Local != nil, b.TLS.ACME == nil)
	// Output:
	// a.localhost [a.localhost] spa: false
	// b.localhost [b.localhost] spa: true
	// true true true
}

func ExampleParse() {
	_, err := config.Parse("trio.toml", []byte(`
listen = "127.0.0.1"

[[site]]
hosts = ["a.localhost"]

[[site]]
hosts = ["A.localhost"]

[[site.redirect]]
from   = "/old/*"
to     = "/new/*"
status = 200
`))
	fmt.Println(err)
	// Output:
	// trio.toml:2:10: listen: expected host:port, got "127.0.0.1" (write host:port, such as ":8443" or "127.0.0.1:8443")
	// trio.toml:8:10: site[1].hosts[0]: host "a.localhost" is already claimed by site[0].hosts[0] (line 5) (a host may belong to one site only)
	// trio.toml:13:10: site[1].redirect[0].status: 200 is not a redirect status (use 301, 302, 303, 307 or 308)
}

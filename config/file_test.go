package config

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestLoadTwoSites loads the example of the issue, exactly as written,
// and checks what Load fills in.
func TestLoadTwoSites(t *testing.T) {
	c, err := Load("testdata/two-sites/trio.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs("testdata/two-sites")
	want := &Config{
		Path:   filepath.Join(dir, "trio.toml"),
		Listen: "127.0.0.1:8443", HTTP: "127.0.0.1:8080", Admin: "127.0.0.1:9180",
		H2: true, H3: true,
		ShutdownTimeout: Duration{DefaultShutdownTimeout},
		Log:             Log{Access: "stdout", Format: "json"},
		Cluster:         Cluster{CertStorage: "file"},
		Sites: []Site{
			{Name: "a.localhost", Hosts: []string{"a.localhost"}, Root: filepath.Join(dir, "site-a"), Compress: true},
			{Name: "b.localhost", Hosts: []string{"b.localhost"}, Root: filepath.Join(dir, "site-b"), SPA: true, Compress: true},
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load =\n%+v\nwant\n%+v", c, want)
	}
}

// TestLoadDefaults fills the defaults of a minimal file.
func TestLoadDefaults(t *testing.T) {
	c, err := Parse("min.toml", []byte("[[site]]\nhosts = [\"localhost\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":8443" || c.HTTP != ":8080" || c.Admin != "" || !c.H2 || !c.H3 || c.Redirect ||
		c.ShutdownTimeout.Duration != 10*time.Second || c.Log != (Log{Format: "json"}) || c.Sites[0].Root != "" {
		t.Errorf("defaults = %+v", c)
	}
	c, err = Parse("off.toml", []byte("http = \"\"\nh2 = false\nh3 = false\n[[site]]\nhosts = [\"example.com\"]\ncompress = false\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP != "" || c.H2 || c.H3 || c.Sites[0].Compress || !c.Redirect {
		t.Errorf("http, h2, h3, compress off and an ACME site (redirect on): %+v", c)
	}
}

// TestLoadFull loads the file with every per-site feature.
func TestLoadFull(t *testing.T) {
	c, err := Load("testdata/full/trio.toml")
	if err != nil {
		t.Fatal(err)
	}
	shop := c.Sites[0]
	if shop.Name != "shop" || len(shop.Headers) != 2 || len(shop.Redirects) != 2 || shop.Redirects[1].Status != 302 ||
		len(shop.Rewrites) != 3 || len(shop.BasicAuth) != 1 || len(shop.ErrorPages) != 2 {
		t.Errorf("shop = %+v", shop)
	}
	if c.DefaultSite != "blog" || c.ShutdownTimeout.Duration != 3*time.Second || !c.HSTS {
		t.Errorf("server keys = %+v", c)
	}
}

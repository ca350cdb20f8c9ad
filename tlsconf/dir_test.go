package tlsconf

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestDefaultDir(t *testing.T) {
	t.Setenv("TRIO_DATA_DIR", "/data/trio")
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if got := DefaultDir(); got != "/data/trio" {
		t.Errorf("DefaultDir with TRIO_DATA_DIR = %q; want /data/trio", got)
	}
	t.Setenv("TRIO_DATA_DIR", "")
	if got, want := DefaultDir(), filepath.Join("/xdg", "trio"); got != want {
		t.Errorf("DefaultDir with XDG_DATA_HOME = %q; want %q", got, want)
	}
	if runtime.GOOS != "linux" {
		return
	}
	t.Setenv("XDG_DATA_HOME", "relative") // ignored, as the XDG spec says
	t.Setenv("HOME", "/home/u")
	if got, want := DefaultDir(), "/home/u/.local/share/trio"; got != want {
		t.Errorf("DefaultDir with HOME = %q; want %q", got, want)
	}
	os.Unsetenv("HOME") // restored by t.Setenv's cleanup
	if got, want := DefaultDir(), ".trio"; got != want {
		t.Errorf("DefaultDir without HOME = %q; want %q", got, want)
	}
}

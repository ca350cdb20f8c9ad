package tlsconf

import (
	"os"
	"path/filepath"
	"runtime"
)

// DefaultDir returns the directory where trio keeps its data, such as the
// local CA: $TRIO_DATA_DIR if set, else $XDG_DATA_HOME/trio if that is an
// absolute path, else the platform's per-user data directory
// (~/.local/share/trio on Linux and BSD, ~/Library/Application Support/trio
// on macOS, %LocalAppData%\trio on Windows). If no home directory is known it
// returns ".trio", relative to the working directory.
func DefaultDir() string {
	if d := os.Getenv("TRIO_DATA_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "trio")
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "trio")
		}
	case "darwin", "ios":
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, "Library", "Application Support", "trio")
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "trio")
	}
	return ".trio"
}

// Package static serves a directory tree as a static web site.
//
// A [Handler] is an [net/http.Handler] and knows no protocol: the same value
// serves HTTP/1.1, HTTP/2 and HTTP/3. Import it to put a site on any server;
// trio's "serve" command is a thin wrapper around it.
//
//	http.Handle("/", static.New("public"))
//
// # Resolution
//
// A request path is decoded once by the server, then refused with 400 if it
// still holds a backslash, a NUL byte, a ".." segment or an encoded slash.
// Directories serve their index.html, and a directory requested without its
// trailing slash is redirected with 308. [Handler.CleanURLs] maps /about to
// about.html, [Handler.SPA] falls back to /index.html for extension-less paths,
// and a 404.html at the root is served with status 404. Dotfiles are hidden
// unless [Handler.ShowHidden] is set; /.well-known/ is always served. All disk
// access goes through an [os.Root], so symlinks that leave the root fail
// unless [Handler.FollowSymlinks] is set.
//
// # Representations
//
// Responses carry a strong ETag, Last-Modified, Cache-Control (see
// [DefaultCacheControl]) and a Content-Type from a built-in table, and honour
// the conditional requests of RFC 9110 §13 and the range requests of §14.
// Precompressed sidecars (name.br, name.zst, name.gz) and on-the-fly zstd,
// brotli and gzip are chosen by Accept-Encoding (§12.5.3); each encoding is a
// distinct representation with its own ETag, and a range applies to the bytes
// sent. Compressed bodies and small files are kept in a memory cache bounded
// by bytes and keyed by file version, so a changed file is served fresh.
//
// # Speed
//
// Files up to [Handler.MaxMemoryFile] (256 KiB) are served from the memory
// cache. Larger identity responses over cleartext HTTP/1.1 are copied with
// io.CopyN from an [*os.File], which net/http turns into sendfile. Over
// HTTP/1.1 with TLS, ranges of 1 MiB or more are encrypted straight from a
// read-only mapping of the file (Linux); everything else is copied through
// a pooled 256 KiB buffer.
package static

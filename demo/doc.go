// Package demo is the site `trio` serves when started with no directory: a
// page that shows, for itself and each of its subresources, which HTTP
// version the browser used, next to what the server saw. It is an ordinary
// http.Handler and knows no protocol.
package demo

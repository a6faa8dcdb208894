// Package nginxtest holds only tests: a real nginx (Debian package
// nginx-light or nginx) runs the site files in deploy/nginx exactly as
// documented, a board syncs the signed repository through the static one
// (304 polls, immutable caching, a cut download resumed with Range), and
// operators log in and boards upload through the reverse proxy one.
package nginxtest

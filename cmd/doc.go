// Package cmd holds the command-line tests of sunboard and sunpub; the
// commands themselves are in its subdirectories.
package cmd

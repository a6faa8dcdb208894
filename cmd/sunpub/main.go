// Command sunpub is the county's tool: it keeps the signed repository that
// village agents sync from, publishes content folders into it and serves it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sunboard/sunboard/county"
	"github.com/sunboard/sunboard/feed/publish"
)

const usage = `usage:
  sunpub init    --repo DIR                  new county repository and keys
  sunpub publish --repo DIR CONTENT_DIR...   validate, render-check and sign village folders
  sunpub refresh --repo DIR                  re-sign snapshot and timestamp (run from cron)
  sunpub serve   --repo DIR --addr HOST:PORT serve the signed repository over HTTP`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	cmd := os.Args[1]
	fl := flag.NewFlagSet("sunpub "+cmd, flag.ExitOnError)
	repo := fl.String("repo", "", "county repository directory")
	addr := fl.String("addr", "127.0.0.1:8400", "listen address (serve)")
	_ = fl.Parse(os.Args[2:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cmd, *repo, *addr, fl.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "sunpub %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd, repo, addr string, args []string) error {
	if repo == "" {
		return fmt.Errorf("--repo DIR is required\n%s", usage)
	}
	switch cmd {
	case "init":
		warnings, err := publish.Init(repo, publish.InitOpts{})
		for _, w := range warnings {
			fmt.Fprintln(os.Stderr, "warning:", w)
		}
		return err
	case "publish":
		if len(args) == 0 {
			return fmt.Errorf("name at least one CONTENT_DIR")
		}
		return county.Publish(repo, args, os.Stdout)
	case "refresh":
		r, err := publish.Open(repo)
		if err != nil {
			return err
		}
		return r.Refresh()
	case "serve":
		r, err := publish.Open(repo)
		if err != nil {
			return err
		}
		srv := &http.Server{Addr: addr, Handler: r.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		fmt.Printf("serving %s at http://%s/ (agents pin %s)\n", repo, addr, r.RootPath())
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

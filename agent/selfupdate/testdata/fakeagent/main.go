// Command fakeagent stands in for cmd/sunboard in the self-update tests: it
// has the same launcher (selfupdate.Launch) and trial hooks, without
// displays. Its behaviour comes from the environment:
//
//	FAKE_NOW=RFC3339      the clock (launcher and trial)
//	FAKE_HEALTHY=1        report healthy at once
//	FAKE_CRASH=VERSION    exit 2 at start when running as VERSION
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sunboard/sunboard/agent/selfupdate"
)

var version = "dev"

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "version" {
		fmt.Println(version, selfupdate.Arch())
		return
	}
	if len(os.Args) != 3 || os.Args[1] != "run" {
		fmt.Fprintln(os.Stderr, "usage: fakeagent version | fakeagent run BINDIR")
		os.Exit(2)
	}
	dir := os.Args[2]
	now := time.Now
	if s := os.Getenv("FAKE_NOW"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		now = func() time.Time { return t }
	}
	o := selfupdate.Opts{Dir: dir, Version: version, Now: now,
		Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }}
	selfupdate.Launch(o)
	if os.Getenv("FAKE_CRASH") == version {
		os.Exit(2)
	}
	log, err := os.OpenFile(filepath.Join(dir, "..", "ran.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(log, version)
	log.Close()
	if t := selfupdate.OpenTrial(o); t != nil {
		done, restart, err := t.Check(os.Getenv("FAKE_HEALTHY") == "1")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("trial", done, restart)
		if restart {
			os.Exit(3)
		}
	}
}

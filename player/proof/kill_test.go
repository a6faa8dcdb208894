package proof

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestKillDuringAppend kills an appending process with SIGKILL at a random
// moment, several times over: every append it acknowledged survives, the
// reopened log verifies, and appending continues the chain.
func TestKillDuringAppend(t *testing.T) {
	if path := os.Getenv("PROOF_KILL_CHILD"); path != "" {
		appendForever(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	key := testKey(5)
	path := filepath.Join(t.TempDir(), "proof.log")
	var acked uint64
	for round := range 4 {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKillDuringAppend$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PROOF_KILL_CHILD="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		want := 10 + 17*round
		for n := 0; n < want && sc.Scan(); n++ {
			seq, err := strconv.ParseUint(sc.Text(), 10, 64)
			if err != nil {
				t.Fatalf("child said %q", sc.Text())
			}
			acked = seq
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		cancel()

		l, err := Open(path, key)
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		seq, _ := l.Head()
		l.Close()
		if seq < acked {
			t.Fatalf("round %d: log ends at seq %d, but seq %d was acknowledged", round, seq, acked)
		}
		t.Logf("round %d: acknowledged %d, log holds %d, cut %d bytes", round, acked, seq, l.Cut())
	}
	es := readEntries(t, path)
	if err := Verify(es, pubOf(key)); err != nil {
		t.Fatal(err)
	}
}

// appendForever is the child: append and acknowledge until killed.
func appendForever(path string) {
	l, err := Open(path, testKey(5))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		e, err := l.Append(rec("led-1", "2026-10-finance", t0.Add(time.Duration(i)*time.Second), time.Second))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stdout, e.Record.Seq)
	}
}

package proof_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/sunboard/sunboard/player/proof"
)

// The agent logs what it showed; the county reads the uploaded log back,
// verifies it with the device's registered key and audits it.
func Example() {
	dir, err := os.MkdirTemp("", "proof")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cst := time.FixedZone("CST", 8*3600)
	day := time.Date(2026, 10, 1, 0, 0, 0, 0, cst)

	// On the agent.
	key, err := proof.GenerateKey(filepath.Join(dir, "device.key"))
	if err != nil {
		log.Fatal(err)
	}
	l, err := proof.Open(filepath.Join(dir, "proof.log"), key)
	if err != nil {
		log.Fatal(err)
	}
	for t := day; t.Before(day.Add(24 * time.Hour)); t = t.Add(30 * time.Minute) {
		if t.Hour() >= 9 && t.Hour() < 12 {
			continue // power cut 09:00–12:00
		}
		if _, err := l.Append(proof.Record{Display: "led-1", Item: "2026-10-finance", SHA256: fmt.Sprintf("%064x", 1),
			Version: 42, Start: t, End: t.Add(30 * time.Minute), Clock: proof.ClockNTP}); err != nil {
			log.Fatal(err)
		}
	}
	backlog, err := l.Since(0) // what the agent would upload
	if err != nil {
		log.Fatal(err)
	}
	l.Close()
	var upload bytes.Buffer
	for _, e := range backlog {
		upload.Write(e.MarshalLine())
	}

	// At the county.
	entries, err := proof.ReadAll(&upload)
	if err != nil {
		log.Fatal(err)
	}
	if err := proof.Verify(entries, key.Public().(ed25519.PublicKey)); err != nil {
		log.Fatal(err)
	}
	rep := proof.Audit(entries, []proof.Window{{Item: "2026-10-finance", From: day, To: day.Add(24 * time.Hour)}}, []string{"led-1"})
	fmt.Print(rep.Summary())
	// Output:
	// 公示审计 / disclosure audit: 每1小时至少显示一次 / shown at least once every 1h
	// ✗ 2026-10-finance 2026-10-01 00:00 → 2026-10-02 00:00  未完整公示 / NOT shown for its whole window: led-1
	//     led-1: 缺失 gap 2026-10-01 09:00–12:00（3小时 / 3h）：无任何记录（断电或关机）/ no records, board off or power cut: 2026-10-01 09:00–12:00
	// 结论 / result: 1 项中 1 项未完整公示 / 1 of 1 items not fully shown
}

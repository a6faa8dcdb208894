package agent

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/player"
	"github.com/sunboard/sunboard/player/proof"
)

// openProof opens the proof-of-display log, creating the device key on
// first start. (Provisioning will create the key up front and register its
// public half with the county; until then the first start does.)
func openProof(state string) (*proof.Log, error) {
	keyPath := filepath.Join(state, "device.key")
	key, err := proof.LoadKey(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		log.Printf("no device key at %s: generating one", keyPath)
		key, err = proof.GenerateKey(keyPath)
	}
	if err != nil {
		return nil, fmt.Errorf("device key: %w", err)
	}
	l, err := proof.Open(filepath.Join(state, "proof.log"), key)
	if err != nil {
		return nil, fmt.Errorf("proof-of-display log: %w", err)
	}
	if n := l.Cut(); n > 0 {
		log.Printf("proof-of-display log: cut %d bytes of a torn write (power cut); earlier records intact", n)
	}
	return l, nil
}

// itemHashes hashes each item's Markdown file, so a proof record names the
// exact text that was on screen.
func itemHashes(fsys fs.FS, v *content.Village) map[string]string {
	h := map[string]string{}
	for _, it := range v.Items {
		b, err := fs.ReadFile(fsys, it.ID+".md")
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		h[it.ID] = hex.EncodeToString(sum[:])
	}
	return h
}

// recordShown appends one signed record per item run on a display.
func (a *Agent) recordShown(s player.Shown) {
	if a.proof == nil {
		return
	}
	_, src := a.clock.Now()
	if _, err := a.proof.Append(proof.Record{Display: s.Display, Item: s.Item, SHA256: s.SHA256,
		Version: s.Version, Start: s.Start, End: s.End, Clock: string(src)}); err != nil {
		log.Printf("proof-of-display log: %v", err)
	}
}

func (a *Agent) proofTail(n int) string {
	if a.proof == nil {
		return ""
	}
	var lines []string
	for _, r := range a.proof.Tail(n) {
		item := r.Item
		if item == "" {
			item = "待机画面"
		}
		lines = append(lines, fmt.Sprintf("#%d %s %s %s–%s", r.Seq, r.Display, item,
			r.Start.In(content.ChinaTime).Format("15:04:05"), r.End.In(content.ChinaTime).Format("15:04:05")))
	}
	return strings.Join(lines, "；")
}

// DevicePublicKey returns the board's public key (PEM) for the county to
// register with `sunpub device add`, creating the key pair on first use.
func DevicePublicKey(state string) ([]byte, error) {
	if err := os.MkdirAll(state, 0o700); err != nil {
		return nil, err
	}
	keyPath := filepath.Join(state, "device.key")
	key, err := proof.LoadKey(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = proof.GenerateKey(keyPath)
	}
	if err != nil {
		return nil, fmt.Errorf("device key: %w", err)
	}
	return proof.MarshalPublicKey(key.Public().(ed25519.PublicKey))
}

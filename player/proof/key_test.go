package proof

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "device.key")
	k, err := GenerateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, k) {
		t.Error("LoadKey returned another key")
	}
	if _, err := GenerateKey(path); err == nil {
		t.Error("GenerateKey overwrote an existing key")
	}
	pemPub, err := MarshalPublicKey(pubOf(k))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(pemPub)
	if err != nil || !bytes.Equal(pub, pubOf(k)) {
		t.Errorf("public key round trip: %v", err)
	}
	if _, err := ParsePublicKey([]byte("nope")); err == nil {
		t.Error("ParsePublicKey accepted junk")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path); err == nil {
		t.Error("LoadKey accepted a world-readable key")
	}
	junk := filepath.Join(t.TempDir(), "junk.key")
	if err := os.WriteFile(junk, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(junk); err == nil {
		t.Error("LoadKey accepted junk")
	}
	if _, err := LoadKey(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("LoadKey of a missing file succeeded")
	}
}

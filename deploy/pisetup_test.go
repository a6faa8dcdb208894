package deploy

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// piSetup runs pi-setup.sh --check on a fixture directory with extra flags
// and returns its output and exit code.
func piSetup(t *testing.T, dir string, flags ...string) (string, int) {
	t.Helper()
	args := append([]string{"pi-setup.sh", "--check",
		"--config", dir + "/config.txt", "--cmdline", dir + "/cmdline.txt",
		"--fstab", dir + "/fstab", "--journald", dir + "/journald.conf"}, flags...)
	// sh, not bash: the Pi runs it with dash.
	out, err := exec.Command("sh", args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("run pi-setup.sh: %v", err)
	return "", -1
}

func TestPiSetupGood(t *testing.T) {
	out, code := piSetup(t, "testdata/pi-good", "--ws281x", "--overlay")
	if code != 0 || strings.Contains(out, "FAIL") || strings.Contains(out, "WARN") {
		t.Fatalf("good fixture: exit %d\n%s", code, out)
	}
	if n := strings.Count(out, "ok    "); n != 10 {
		t.Errorf("good fixture: %d ok lines, want 10\n%s", n, out)
	}
}

func TestPiSetupBad(t *testing.T) {
	out, code := piSetup(t, "testdata/pi-bad", "--ws281x")
	if code != 1 {
		t.Fatalf("bad fixture: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"FAIL  SPI off: add dtparam=spi=on",
		"FAIL  I2C off: add dtparam=i2c_arm=on",
		"FAIL  composite output off: change 'dtoverlay=vc4-kms-v3d' to dtoverlay=vc4-kms-v3d,composite",
		"WARN  framebuffer_depth=16",
		"FAIL  ws281x uses PWM, shared with analog audio: set dtparam=audio=off",
		"cmdline.txt has 2 non-empty lines",
		"FAIL  composite mode not PAL: add video=Composite-1:720x576@50ie",
		"FAIL  no fsck.repair=yes",
		"WARN  root is writable",
		"FAIL  / mounted 'defaults' without noatime",
		"FAIL  journal on the SD card without a size limit",
		"9 item(s) to fix",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("bad fixture: output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// Without --ws281x analog audio may stay on; --overlay turns the writable
// root into a failure.
func TestPiSetupFlags(t *testing.T) {
	out, _ := piSetup(t, "testdata/pi-bad")
	if strings.Contains(out, "audio=off") {
		t.Errorf("audio checked without --ws281x:\n%s", out)
	}
	out, _ = piSetup(t, "testdata/pi-bad", "--overlay")
	if !strings.Contains(out, "FAIL  read-only root required") {
		t.Errorf("--overlay did not require boot=overlay:\n%s", out)
	}
	out, code := piSetup(t, "testdata/does-not-exist")
	if code != 1 || !strings.Contains(out, "FAIL  cannot read testdata/does-not-exist/config.txt") {
		t.Errorf("missing files: exit %d\n%s", code, out)
	}
}

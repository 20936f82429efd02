package testpg

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestURLChild is run by TestURL in a child process, with the environment
// under test; on its own it does nothing.
func TestURLChild(t *testing.T) {
	if os.Getenv("TESTPG_CHILD") == "" {
		return
	}
	t.Logf("url=%s", URL(t))
}

func TestURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		url, require string
		want         string // in the child's -test.v output
	}{
		{"", "", "--- SKIP: TestURLChild"},
		{"", "0", "--- SKIP: TestURLChild"},
		{"", "false", "--- SKIP: TestURLChild"},
		{"", "1", "--- FAIL: TestURLChild"},
		{"postgres://x/y", "", "url=postgres://x/y"},
		{"postgres://x/y", "1", "url=postgres://x/y"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestURLChild$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTPG_CHILD=1", Env+"="+c.url, EnvRequire+"="+c.require)
		out, err := cmd.CombinedOutput()
		failed := err != nil
		if !strings.Contains(string(out), c.want) || failed != strings.Contains(c.want, "FAIL") {
			t.Errorf("%s=%q %s=%q: err %v, want %q in:\n%s", Env, c.url, EnvRequire, c.require, err, c.want, out)
		}
	}
}

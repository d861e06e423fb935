package instinit

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunUserDataScript(t *testing.T) {
	root := t.TempDir()
	t.Setenv("GUREUM_TEST_SECRET", "s3cr3t")
	script := "#!/bin/sh\necho \"ran as $(id -u) home=$HOME path=$PATH\"\nenv > \"" + root + "/env\"\necho to stderr >&2\nexit 3\n"
	var log bytes.Buffer
	if status := RunUserData(context.Background(), root, []byte(script), &log); status != 3 {
		t.Errorf("status %d, want 3", status)
	}
	out := log.String()
	for _, want := range []string{"home=/root path=" + childPath, "to stderr", "ci-info: user data finished with exit status 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
	env := readFile(t, root, "/env")
	if strings.Contains(env, "GUREUM_") {
		t.Errorf("a GUREUM_ variable reached user data:\n%s", env)
	}
	if got := readFile(t, root, UserDataScript); got != script {
		t.Errorf("script file: %q", got)
	}
	if mode, _, _ := statOf(t, root, UserDataScript); mode.Perm() != 0o700 {
		t.Errorf("script mode %v", mode)
	}
}

func TestRunUserDataGzipAndOthers(t *testing.T) {
	root := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("#!/bin/sh\necho gzipped > \"" + root + "/out\"\n"))
	zw.Close()
	var log bytes.Buffer
	if status := RunUserData(context.Background(), root, gz.Bytes(), &log); status != 0 {
		t.Fatalf("status %d:\n%s", status, log.String())
	}
	if got := readFile(t, root, "/out"); got != "gzipped\n" {
		t.Errorf("out = %q", got)
	}
	for in, want := range map[string]string{
		"Content-Type: multipart/mixed; boundary=x\n": "MIME multi-part user data is not supported",
		"just some data":             "user data was not run",
		"":                           "ci-info: no user data",
		"#cloud-config\nruncmd: [\n": "not run",
		"\x1f\x8bnot really gzip":    "gunzip",
		"#cloud-config\nruncmd:\n - [nope-not-a-command]\n": "runcmd: command 1: nope-not-a-command: not found",
	} {
		log.Reset()
		RunUserData(context.Background(), root, []byte(in), &log)
		if !strings.Contains(log.String(), want) {
			t.Errorf("user data %q: console lacks %q:\n%s", in, want, log.String())
		}
	}
}

func TestRunUserDataCloudConfig(t *testing.T) {
	root := writeRoot(t, map[string]string{
		"/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n",
		"/etc/group":  "root:x:0:\nadmin:x:1000:\n",
		// A stand-in package manager that logs its arguments.
		"/usr/bin/apt-get": "#!/bin/sh\necho \"$DEBIAN_FRONTEND $*\" >> \"$(dirname \"$0\")/../../apt.log\"\n",
	})
	cc := `#cloud-config
write_files:
  - path: /etc/app/config
    content: |
      key: value
      other: 2
    permissions: '0600'
    owner: admin:admin
  - path: /etc/app/late
    content: late
    defer: true
  - path: /etc/app/config
    content: "appended\n"
    append: true
    permissions: '0640'
    owner: admin
packages:
  - curl
  - [vim, "2:9.0"]
runcmd:
  - cat "ROOT/etc/app/config" "ROOT/etc/app/late" > "ROOT/runcmd.out"
  - [sh, -c, 'echo "$0 $1" >> ROOT/runcmd.out', argv0, "two words"]
  - exit 4
  - echo after >> ROOT/runcmd.out
`
	cc = strings.ReplaceAll(cc, "ROOT", root)
	var log bytes.Buffer
	if status := RunUserData(context.Background(), root, []byte(cc), &log); status != 4 {
		t.Errorf("status %d, want 4 (the failed command's)", status)
	}
	if got, want := readFile(t, root, "/runcmd.out"), "key: value\nother: 2\nappended\nlateargv0 two words\nafter\n"; got != want {
		t.Errorf("runcmd.out = %q, want %q\nconsole:\n%s", got, want, log.String())
	}
	if got, want := readFile(t, root, "/apt.log"), "noninteractive update\nnoninteractive install -y curl vim=2:9.0\n"; got != want {
		t.Errorf("apt.log = %q, want %q", got, want)
	}
	mode, uid, gid := statOf(t, root, "/etc/app/config")
	if mode.Perm() != 0o640 {
		t.Errorf("config mode %v", mode)
	}
	if os.Geteuid() == 0 && (uid != 1000 || gid != 1000) {
		t.Errorf("config owned by %d:%d", uid, gid)
	}
	if !strings.Contains(log.String(), "runcmd: command 3 of 4 failed: exit status 4") {
		t.Errorf("console:\n%s", log.String())
	}

	// Without a package manager, and with an unknown owner.
	os.Remove(filepath.Join(root, "usr/bin/apt-get"))
	log.Reset()
	status := RunUserData(context.Background(), root, []byte("#cloud-config\npackages: [curl]\nwrite_files:\n- path: /x\n  owner: nobody\n"), &log)
	if status == 0 || !strings.Contains(log.String(), "the image has no package manager") || !strings.Contains(log.String(), `unknown user "nobody"`) {
		t.Errorf("status %d, console:\n%s", status, log.String())
	}
}

package amibuild

import (
	"os"
	"path/filepath"
	"testing"
)

// writeSources lays out an apt configuration under a temporary root.
func writeSources(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, text := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const sampleDeb822 = `Types: deb deb-src
# http://snapshot.example/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main
`

func TestMachineMirror(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"deb822", map[string]string{"etc/apt/sources.list.d/debian.sources": sampleDeb822}, "http://mirror.example/debian"},
		{"deb822 security entry only", map[string]string{"etc/apt/sources.list.d/debian.sources": `Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main
`}, defaultMirror},
		{"deb822 disabled entry, then an enabled one", map[string]string{"etc/apt/sources.list.d/debian.sources": `Types: deb
URIs: http://off.example/debian
Suites: bookworm
Enabled: no

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm

types: deb
uris: cdrom:/media/
 https://on.example/debian
suites: trixie
 bookworm
`}, "https://on.example/debian"},
		{"one-line", map[string]string{"etc/apt/sources.list": `# comment
deb-src http://src.example/debian bookworm main
deb http://security.example/debian-security bookworm-security main
deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://one.example/debian/ bookworm main contrib # trailing
deb http://later.example/debian bookworm main
`}, "http://one.example/debian"},
		{"deb822 wins over one-line", map[string]string{
			"etc/apt/sources.list":                  "deb http://one.example/debian bookworm main\n",
			"etc/apt/sources.list.d/debian.sources": sampleDeb822,
		}, "http://mirror.example/debian"},
		{"a .list file", map[string]string{"etc/apt/sources.list.d/x.list": "deb http://list.example/debian bookworm main\n"}, "http://list.example/debian"},
		{"nothing", map[string]string{}, defaultMirror},
		{"other releases only", map[string]string{"etc/apt/sources.list": "deb http://one.example/debian trixie main\n"}, defaultMirror},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := machineMirror(writeSources(t, c.files)); got != c.want {
				t.Errorf("machineMirror = %q, want %q", got, c.want)
			}
		})
	}
}

func TestDeb822ContinuationAndComments(t *testing.T) {
	ps := deb822Paragraphs("A: 1\n# c\nB: x\n y\n .\n\n\n\nC: 3\n")
	if len(ps) != 2 || ps[0]["a"] != "1" || ps[0]["b"] != "x y" || ps[1]["c"] != "3" {
		t.Fatalf("paragraphs = %v", ps)
	}
}

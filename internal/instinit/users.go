package instinit

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SudoersPath is the sudoers drop-in that gives the default user
// passwordless sudo (written only where /etc/sudoers.d exists).
const SudoersPath = "/etc/sudoers.d/90-gureum-users"

// adminGroups are the groups the default user joins where they exist.
func adminGroups() []string { return []string{"sudo", "wheel", "docker"} }

// User is an account in the instance's /etc/passwd.
type User struct {
	Name     string
	UID, GID int
	Home     string
}

// validUserName reports whether name is a portable user name, safe to
// write into /etc/passwd and sudoers.
func validUserName(name string) bool {
	if name == "" || len(name) > 32 || name[0] == '-' || (name[0] >= '0' && name[0] <= '9') {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// readDB reads a colon-separated database (/etc/passwd, /etc/group ...)
// as lines of fields; a missing file is empty.
func readDB(p string) ([][]string, bool, error) {
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", p, err)
	}
	var db [][]string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if l != "" {
			db = append(db, strings.Split(l, ":"))
		}
	}
	return db, true, nil
}

// writeDB writes a database back, keeping the file's mode and owner.
func writeDB(p string, db [][]string, perm os.FileMode) error {
	var b strings.Builder
	for _, f := range db {
		b.WriteString(strings.Join(f, ":") + "\n")
	}
	return writeReplacing(p, []byte(b.String()), perm, 0, 0)
}

// LookupUser finds name in the /etc/passwd under root.
func LookupUser(root, name string) (User, bool, error) {
	db, _, err := readDB(at(root, "/etc/passwd"))
	if err != nil {
		return User{}, false, err
	}
	for _, f := range db {
		if len(f) >= 6 && f[0] == name {
			uid, err1 := strconv.Atoi(f[2])
			gid, err2 := strconv.Atoi(f[3])
			if err1 == nil && err2 == nil {
				return User{Name: name, UID: uid, GID: gid, Home: f[5]}, true, nil
			}
		}
	}
	if name == "root" {
		return User{Name: "root", Home: "/root"}, true, nil
	}
	return User{}, false, nil
}

// lookupGroup finds a group's id by name in the /etc/group under root.
func lookupGroup(root, name string) (int, bool) {
	db, _, err := readDB(at(root, "/etc/group"))
	if err != nil {
		return 0, false
	}
	for _, f := range db {
		if len(f) >= 3 && f[0] == name {
			if gid, err := strconv.Atoi(f[2]); err == nil {
				return gid, true
			}
		}
	}
	return 0, name == "root"
}

// EnsureUser makes sure the user name exists under root, as cloud-init
// does for an image's default user, editing /etc/passwd, /etc/shadow,
// /etc/group (and /etc/gshadow) itself: a new user gets a group of its
// own, a locked password ("*", so key logins work), the home /home/name
// (from /etc/skel) and /bin/bash when the image has it, else /bin/sh.
// Existing or new, the user joins the groups sudo, wheel and docker
// where they exist and gets passwordless sudo where /etc/sudoers.d does.
func EnsureUser(root, name string, log io.Writer) (User, error) {
	con := newConsole(log)
	if !validUserName(name) {
		return User{}, fmt.Errorf("creating user %q: not a valid user name", name)
	}
	u, found, err := LookupUser(root, name)
	if err != nil {
		return User{}, fmt.Errorf("creating user %s: %w", name, err)
	}
	if !found {
		if u, err = createUser(root, name); err != nil {
			return User{}, fmt.Errorf("creating user %s: %w", name, err)
		}
		con.Printf("created user %s (uid %d)", name, u.UID)
	}
	if err := joinGroups(root, name, adminGroups()); err != nil {
		return u, fmt.Errorf("adding user %s to groups: %w", name, err)
	}
	if err := grantSudo(root, name); err != nil {
		return u, fmt.Errorf("giving user %s sudo: %w", name, err)
	}
	return u, nil
}

// createUser adds a user and its group to the databases and makes its
// home.
func createUser(root, name string) (User, error) {
	passwd, _, err := readDB(at(root, "/etc/passwd"))
	if err != nil {
		return User{}, err
	}
	group, haveGroup, err := readDB(at(root, "/etc/group"))
	if err != nil {
		return User{}, err
	}
	usedUID, usedGID := map[int]bool{}, map[int]bool{}
	for _, f := range passwd {
		if len(f) > 2 {
			if id, err := strconv.Atoi(f[2]); err == nil {
				usedUID[id] = true
			}
		}
	}
	gid, ownGroup := -1, false
	for _, f := range group {
		if len(f) > 2 {
			if id, err := strconv.Atoi(f[2]); err == nil {
				usedGID[id] = true
				if f[0] == name {
					gid = id
				}
			}
		}
	}
	uid := 1000
	for usedUID[uid] || (gid < 0 && usedGID[uid]) {
		uid++
	}
	if gid < 0 {
		gid, ownGroup = uid, true
	}
	u := User{Name: name, UID: uid, GID: gid, Home: "/home/" + name}
	shell := "/bin/sh"
	if exists(root, "/bin/bash") {
		shell = "/bin/bash"
	}
	shadow, haveShadow, err := readDB(at(root, "/etc/shadow"))
	if err != nil {
		return User{}, err
	}
	pw := "x"
	if !haveShadow {
		pw = "*"
	}
	if ownGroup {
		group = append(group, []string{name, "x", strconv.Itoa(gid), ""})
		if !haveGroup {
			group[len(group)-1][1] = "!"
		}
		if err := writeDB(at(root, "/etc/group"), group, 0o644); err != nil {
			return User{}, err
		}
		gshadow, haveGShadow, err := readDB(at(root, "/etc/gshadow"))
		if err != nil {
			return User{}, err
		}
		if haveGShadow {
			if err := writeDB(at(root, "/etc/gshadow"), append(gshadow, []string{name, "!", "", ""}), 0o640); err != nil {
				return User{}, err
			}
		}
	}
	if haveShadow {
		days := strconv.FormatInt(time.Now().Unix()/86400, 10)
		shadow = append(shadow, []string{name, "*", days, "0", "99999", "7", "", "", ""})
		if err := writeDB(at(root, "/etc/shadow"), shadow, 0o640); err != nil {
			return User{}, err
		}
	}
	passwd = append(passwd, []string{name, pw, strconv.Itoa(uid), strconv.Itoa(gid), "", u.Home, shell})
	if err := writeDB(at(root, "/etc/passwd"), passwd, 0o644); err != nil {
		return User{}, err
	}
	if err := makeHome(root, u); err != nil {
		return User{}, err
	}
	return u, nil
}

// makeHome creates a user's home directory from /etc/skel, owned by the
// user, unless it exists.
func makeHome(root string, u User) error {
	home := at(root, u.Home)
	if _, err := os.Lstat(home); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(home), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", u.Home, err)
	}
	if err := os.Mkdir(home, 0o750); err != nil {
		return fmt.Errorf("creating %s: %w", u.Home, err)
	}
	skel := at(root, "/etc/skel")
	if st, err := os.Lstat(skel); err == nil && st.IsDir() {
		if err := CopyTree(skel, home); err != nil {
			return fmt.Errorf("copying /etc/skel to %s: %w", u.Home, err)
		}
		if err := os.Chmod(home, 0o750); err != nil {
			return fmt.Errorf("creating %s: %w", u.Home, err)
		}
	}
	return filepath.WalkDir(home, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return chown(p, u.UID, u.GID)
	})
}

// joinGroups adds user to each of groups that exists (in /etc/group and
// /etc/gshadow).
func joinGroups(root, user string, groups []string) error {
	for _, file := range []string{"/etc/group", "/etc/gshadow"} {
		db, found, err := readDB(at(root, file))
		if err != nil || !found {
			return err
		}
		changed := false
		for _, f := range db {
			if len(f) < 4 || !contains(groups, f[0]) {
				continue
			}
			members := strings.Split(f[3], ",")
			if f[3] == "" {
				members = nil
			}
			if !contains(members, user) {
				f[3] = strings.Join(append(members, user), ",")
				changed = true
			}
		}
		if changed {
			if err := writeDB(at(root, file), db, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// contains reports whether list has s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// grantSudo gives user passwordless sudo in SudoersPath, where the image
// has /etc/sudoers.d.
func grantSudo(root, user string) error {
	dir := at(root, filepath.Dir(SudoersPath))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil
	}
	p := at(root, SudoersPath)
	old, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	line := user + " ALL=(ALL) NOPASSWD:ALL"
	text := string(old)
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == line {
			return nil
		}
	}
	if text == "" {
		text = "# Written by gureum-init: the instance's default user.\n"
	} else if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	if err := writeReplacing(p, []byte(text+line+"\n"), 0o440, 0, 0); err != nil {
		return err
	}
	return os.Chmod(p, 0o440)
}

// InstallKeys adds the public keys (authorized_keys lines) to the
// ~/.ssh/authorized_keys of user under root, keeping the lines already
// there: the directory is 0700, the file 0600, both owned by the user.
func InstallKeys(root, user string, keys []string, log io.Writer) error {
	u, found, err := LookupUser(root, user)
	if err != nil {
		return fmt.Errorf("installing keys for %s: %w", user, err)
	}
	if !found {
		return fmt.Errorf("installing keys for %s: no such user", user)
	}
	dir := at(root, filepath.Join(u.Home, ".ssh"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("installing keys for %s: %w", user, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("installing keys for %s: %w", user, err)
	}
	if err := chown(dir, u.UID, u.GID); err != nil {
		return fmt.Errorf("installing keys for %s: %w", user, err)
	}
	p := filepath.Join(dir, "authorized_keys")
	old, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("installing keys for %s: %w", user, err)
	}
	have := map[string]bool{}
	var lines []string
	for _, l := range strings.Split(string(old), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
			have[strings.TrimSpace(l)] = true
		}
	}
	added := 0
	for _, k := range keys {
		for _, l := range strings.Split(k, "\n") {
			l = strings.TrimSpace(l)
			if l != "" && !have[l] {
				lines = append(lines, l)
				have[l] = true
				added++
			}
		}
	}
	data := strings.Join(lines, "\n")
	if data != "" {
		data += "\n"
	}
	if err := writeReplacing(p, []byte(data), 0o600, u.UID, u.GID); err != nil {
		return fmt.Errorf("installing keys for %s: %w", user, err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		return fmt.Errorf("installing keys for %s: %w", user, err)
	}
	if err := chown(p, u.UID, u.GID); err != nil {
		return fmt.Errorf("installing keys for %s: %w", user, err)
	}
	newConsole(log).Printf("%d SSH key(s) authorized for %s", added, user)
	return nil
}

package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/gureum/gureum/internal/request"
)

type signinData struct {
	Next  string
	Error string
	Kind  string // root, root-password or iam
	// Password says the root password sign-in is offered.
	Password bool
	Account  string
	User     string
	KeyID    string
}

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	if c.session(r) != nil {
		http.Redirect(w, r, Prefix+"s3", http.StatusSeeOther)
		return
	}
	c.render(w, nil, "signin.html", "Sign in", "", signinData{Next: safeNext(r.URL.Query().Get("next")), Kind: "root", Password: c.cfg.RootPassword != ""})
}

// safeNext keeps a post-sign-in redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return Prefix
	}
	return next
}

// signin signs a root user in with an access key pair, or an IAM user
// with the password of its login profile.
func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad form.", http.StatusBadRequest)
		return
	}
	d := signinData{Next: safeNext(r.PostFormValue("next")), Kind: r.PostFormValue("kind"), Account: strings.TrimSpace(r.PostFormValue("account")),
		User: strings.TrimSpace(r.PostFormValue("user")), KeyID: strings.TrimSpace(r.PostFormValue("access_key_id")), Password: c.cfg.RootPassword != ""}
	ctx := request.With(r.Context(), &request.Context{Start: c.cfg.Now(), Region: c.cfg.Region})
	var p request.Principal
	var err error
	switch d.Kind {
	case "iam":
		p, err = c.cfg.Identities.SignIn(ctx, d.Account, d.User, r.PostFormValue("password"))
	case "root-password":
		p, err = c.rootPasswordSignIn(ctx, d.Account, r.PostFormValue("password"))
	default:
		d.Kind = "root"
		p, err = c.rootSignIn(ctx, d.KeyID, r.PostFormValue("secret_access_key"))
	}
	if err != nil {
		d.Error = "Your authentication information is incorrect. Please try again."
		w.WriteHeader(http.StatusUnauthorized)
		c.render(w, nil, "signin.html", "Sign in", "", d)
		return
	}
	c.startSession(w, r, p)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (c *Console) rootSignIn(ctx context.Context, keyID, secret string) (request.Principal, error) {
	want, err := c.cfg.Identities.SecretKey(ctx, keyID)
	if err != nil || want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		return request.Principal{}, errBadSignIn
	}
	p, err := c.cfg.Identities.Principal(ctx, keyID, "")
	if err != nil || p.Type != request.Root {
		// An IAM user signs in with its user name and password.
		return request.Principal{}, errBadSignIn
	}
	return p, nil
}

// rootPasswordSignIn signs in an account's root user with the password
// gureum was given (--root-password), as AWS's root sign-in with an email
// address and a password.
func (c *Console) rootPasswordSignIn(ctx context.Context, account, password string) (request.Principal, error) {
	key, ok := c.cfg.RootKeys[account]
	if c.cfg.RootPassword == "" || !ok || subtle.ConstantTimeCompare([]byte(c.cfg.RootPassword), []byte(password)) != 1 {
		return request.Principal{}, errBadSignIn
	}
	p, err := c.cfg.Identities.Principal(ctx, key, "")
	if err != nil || p.Type != request.Root {
		return request.Principal{}, errBadSignIn
	}
	return p, nil
}

var errBadSignIn = errors.New("console: bad sign-in")

func (c *Console) signout(w http.ResponseWriter, r *http.Request, s *session) {
	c.mu.Lock()
	delete(c.sessions, s.id)
	c.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}

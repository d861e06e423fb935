package console

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto/query"
	iamsvc "github.com/gureum/gureum/internal/iam"
)

// IAM pages: users, a user's access keys (the secret shown once, with a
// .csv to download) and console password.

func (c *Console) routeIAM() {
	c.handle("GET "+Prefix+"iam/users", c.signedIn(c.users))
	c.handle("POST "+Prefix+"iam/users/create", c.signedIn(c.createUser))
	c.handle("GET "+Prefix+"iam/users/{user}", c.signedIn(c.user))
	c.handle("POST "+Prefix+"iam/users/{user}/keys", c.signedIn(c.createKey))
	c.handle("GET "+Prefix+"iam/users/{user}/keys/{id}/csv", c.signedIn(c.keyCSV))
	c.handle("POST "+Prefix+"iam/users/{user}/keys/{id}/status", c.signedIn(c.keyStatus))
	c.handle("POST "+Prefix+"iam/users/{user}/keys/{id}/delete", c.signedIn(c.deleteKey))
	c.handle("POST "+Prefix+"iam/users/{user}/password", c.signedIn(c.setPassword))
	c.handle("POST "+Prefix+"iam/users/{user}/delete", c.signedIn(c.deleteUser))
}

// get reads an exported field of an output by path.
func get(v any, path ...string) any {
	r := reflect.ValueOf(v)
	for _, p := range path {
		for r.Kind() == reflect.Pointer || r.Kind() == reflect.Interface {
			if r.IsNil() {
				return nil
			}
			r = r.Elem()
		}
		if r.Kind() != reflect.Struct {
			return nil
		}
		r = r.FieldByName(p)
		if !r.IsValid() {
			return nil
		}
	}
	return r.Interface()
}

func (c *Console) users(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.iam(r, s, "ListUsers", url.Values{})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	c.render(w, s, "users.html", "Users", "iam", out)
}

func (c *Console) createUser(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if _, err := c.iam(r, s, "CreateUser", url.Values{"UserName": {name}}); err != nil {
		c.back(w, r, s, Prefix+"iam/users", err, "")
		return
	}
	c.back(w, r, s, Prefix+"iam/users/"+url.PathEscape(name), nil, "User "+name+" created.")
}

type userData struct {
	User, Keys, Login any
	NewKey            any
	Attached          []iamsvc.AttachedPolicy
	Inline            []inlineRow
}

// inlineRow is an inline policy and its document, indented.
type inlineRow struct{ Name, Document string }

func (c *Console) user(w http.ResponseWriter, r *http.Request, s *session) {
	c.showUser(w, r, s, nil)
}

func (c *Console) showUser(w http.ResponseWriter, r *http.Request, s *session, newKey any) {
	name := r.PathValue("user")
	u, err := c.iam(r, s, "GetUser", url.Values{"UserName": {name}})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	keys, err := c.iam(r, s, "ListAccessKeys", url.Values{"UserName": {name}})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	login, _ := c.iam(r, s, "GetLoginProfile", url.Values{"UserName": {name}})
	var rows []keyRow
	for _, k := range reflectSlice(get(keys, "AccessKeyMetadata")) {
		row := keyRow{UserName: name, LastUsed: "Never"}
		row.AccessKeyID, _ = get(k, "AccessKeyID").(string)
		row.Status, _ = get(k, "Status").(string)
		row.CreateDate = get(k, "CreateDate")
		if lu, err := c.iam(r, s, "GetAccessKeyLastUsed", url.Values{"AccessKeyId": {row.AccessKeyID}}); err == nil {
			if t, ok := get(lu, "AccessKeyLastUsed", "LastUsedDate").(*query.Time); ok && t != nil {
				svc, _ := get(lu, "AccessKeyLastUsed", "ServiceName").(string)
				region, _ := get(lu, "AccessKeyLastUsed", "Region").(string)
				row.LastUsed = time.Time(*t).UTC().Format("2006-01-02 15:04 UTC") + " · " + svc + " · " + region
			}
		}
		rows = append(rows, row)
	}
	d := userData{User: get(u, "User"), Keys: rows, Login: login, NewKey: newKey}
	if out, err := c.iam(r, s, "ListAttachedUserPolicies", url.Values{"UserName": {name}}); err == nil {
		d.Attached = get(out, "AttachedPolicies").([]iamsvc.AttachedPolicy)
	}
	if out, err := c.iam(r, s, "ListUserPolicies", url.Values{"UserName": {name}}); err == nil {
		for _, p := range get(out, "PolicyNames").([]string) {
			row := inlineRow{Name: p}
			if doc, err := c.iam(r, s, "GetUserPolicy", url.Values{"UserName": {name}, "PolicyName": {p}}); err == nil {
				row.Document = prettyPolicy(get(doc, "PolicyDocument").(string))
			}
			d.Inline = append(d.Inline, row)
		}
	}
	c.render(w, s, "user.html", name, "iam", d)
}

// prettyPolicy is a policy document as IAM returns it (URL-encoded),
// decoded and indented.
func prettyPolicy(doc string) string {
	if u, err := url.QueryUnescape(doc); err == nil && strings.HasPrefix(strings.TrimSpace(u), "{") {
		doc = u
	}
	var b bytes.Buffer
	if json.Indent(&b, []byte(doc), "", "  ") == nil {
		return b.String()
	}
	return doc
}

// keyRow is an access key as the user's page lists it, with when (and
// where) it was last used.
type keyRow struct {
	UserName, AccessKeyID, Status, LastUsed string
	CreateDate                              any
}

// reflectSlice is a slice held in an any, element by element.
func reflectSlice(v any) []any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return nil
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

// createKey makes an access key and shows its secret this once; the .csv
// can be downloaded once too.
func (c *Console) createKey(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("user")
	out, err := c.iam(r, s, "CreateAccessKey", url.Values{"UserName": {name}})
	if err != nil {
		c.back(w, r, s, Prefix+"iam/users/"+url.PathEscape(name), err, "")
		return
	}
	key := get(out, "AccessKey")
	id, _ := get(key, "AccessKeyID").(string)
	secret, _ := get(key, "SecretAccessKey").(string)
	c.mu.Lock()
	if s.csv == nil {
		s.csv = map[string]string{}
	}
	s.csv[id] = secret
	c.mu.Unlock()
	c.showUser(w, r, s, key)
}

func (c *Console) keyCSV(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	c.mu.Lock()
	secret, ok := s.csv[id]
	delete(s.csv, id)
	c.mu.Unlock()
	if !ok {
		http.Error(w, "The secret access key can be downloaded only once, right after it is created.", http.StatusGone)
		return
	}
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Content-Disposition", `attachment; filename="`+r.PathValue("user")+`_accessKeys.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.WriteAll([][]string{{"Access key ID", "Secret access key"}, {id, secret}})
}

func (c *Console) keyStatus(w http.ResponseWriter, r *http.Request, s *session) {
	name, id := r.PathValue("user"), r.PathValue("id")
	status := "Inactive"
	if r.PostFormValue("status") == "Active" {
		status = "Active"
	}
	_, err := c.iam(r, s, "UpdateAccessKey", url.Values{"UserName": {name}, "AccessKeyId": {id}, "Status": {status}})
	c.back(w, r, s, Prefix+"iam/users/"+url.PathEscape(name), err, "Access key "+id+" is now "+strings.ToLower(status)+".")
}

func (c *Console) deleteKey(w http.ResponseWriter, r *http.Request, s *session) {
	name, id := r.PathValue("user"), r.PathValue("id")
	_, err := c.iam(r, s, "DeleteAccessKey", url.Values{"UserName": {name}, "AccessKeyId": {id}})
	c.back(w, r, s, Prefix+"iam/users/"+url.PathEscape(name), err, "Access key "+id+" deleted.")
}

func (c *Console) setPassword(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("user")
	params := url.Values{"UserName": {name}, "Password": {r.PostFormValue("password")}}
	_, err := c.iam(r, s, "UpdateLoginProfile", params)
	if ae, ok := asAWS(err); ok && ae.Code == "NoSuchEntity" {
		_, err = c.iam(r, s, "CreateLoginProfile", params)
	}
	c.back(w, r, s, Prefix+"iam/users/"+url.PathEscape(name), err, "Console password set.")
}

func (c *Console) deleteUser(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("user")
	_, err := c.iam(r, s, "DeleteUser", url.Values{"UserName": {name}})
	if err != nil {
		c.back(w, r, s, Prefix+"iam/users/"+url.PathEscape(name), err, "")
		return
	}
	c.back(w, r, s, Prefix+"iam/users", nil, "User "+name+" deleted.")
}

// lenOf and indexOf read a slice of any element type.
func lenOf(list any) int {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice {
		return 0
	}
	return v.Len()
}

func indexOf(list any, i int) any { return reflect.ValueOf(list).Index(i).Interface() }

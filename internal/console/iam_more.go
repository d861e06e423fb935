package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// IAM pages beyond users: customer managed policies (a JSON editor whose
// mistakes get IAM's own messages), attaching them to users, groups and
// their members, roles with their trust policy, and the policy simulator.

func (c *Console) routeIAMMore() {
	c.handle("GET "+Prefix+"iam/policies", c.signedIn(c.policies))
	c.handle("POST "+Prefix+"iam/policies/create", c.signedIn(c.createPolicy))
	c.handle("POST "+Prefix+"iam/users/{user}/attach", c.signedIn(c.attachUserPolicy))
	c.handle("POST "+Prefix+"iam/users/{user}/detach", c.signedIn(c.detachUserPolicy))
	c.handle("POST "+Prefix+"iam/users/{user}/inline", c.signedIn(c.putInlinePolicy))
	c.handle("POST "+Prefix+"iam/users/{user}/inline/{policy}/delete", c.signedIn(c.deleteInlinePolicy))
	c.handle("GET "+Prefix+"iam/groups", c.signedIn(c.groups))
	c.handle("POST "+Prefix+"iam/groups/create", c.signedIn(c.createGroup))
	c.handle("POST "+Prefix+"iam/groups/{group}/add", c.signedIn(c.addToGroup))
	c.handle("GET "+Prefix+"iam/roles", c.signedIn(c.roles))
	c.handle("POST "+Prefix+"iam/roles/create", c.signedIn(c.createRole))
	c.handle("GET "+Prefix+"iam/simulator", c.signedIn(c.simulator))
}

func (c *Console) policies(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.iam(r, s, "ListPolicies", url.Values{"Scope": {"Local"}})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	c.render(w, s, "policies.html", "Policies", "iam", map[string]any{"Policies": get(out, "Policies"),
		"Example": `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::my-bucket/*"}
  ]
}`})
}

func (c *Console) createPolicy(w http.ResponseWriter, r *http.Request, s *session) {
	doc := strings.TrimSpace(r.PostFormValue("document"))
	var compact bytes.Buffer
	if json.Compact(&compact, []byte(doc)) == nil {
		doc = compact.String()
	}
	_, err := c.iam(r, s, "CreatePolicy", url.Values{"PolicyName": {strings.TrimSpace(r.PostFormValue("name"))},
		"PolicyDocument": {doc}, "Description": {r.PostFormValue("description")}})
	c.back(w, r, s, Prefix+"iam/policies", err, "Policy "+r.PostFormValue("name")+" created.")
}

// detachUserPolicy removes a managed policy from a user.
func (c *Console) detachUserPolicy(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("user")
	_, err := c.iam(r, s, "DetachUserPolicy", url.Values{"UserName": {name}, "PolicyArn": {strings.TrimSpace(r.PostFormValue("policy_arn"))}})
	c.back(w, r, s, Prefix+"iam/users/"+url.PathEscape(name), err, "Policy detached.")
}

// putInlinePolicy creates or replaces a user's inline policy; IAM
// validates the JSON and its message is shown.
func (c *Console) putInlinePolicy(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("user")
	policy := strings.TrimSpace(r.PostFormValue("name"))
	_, err := c.iam(r, s, "PutUserPolicy", url.Values{"UserName": {name}, "PolicyName": {policy}, "PolicyDocument": {strings.TrimSpace(r.PostFormValue("document"))}})
	c.back(w, r, s, Prefix+"iam/users/"+url.PathEscape(name), err, "Inline policy "+policy+" saved.")
}

func (c *Console) deleteInlinePolicy(w http.ResponseWriter, r *http.Request, s *session) {
	name, policy := r.PathValue("user"), r.PathValue("policy")
	_, err := c.iam(r, s, "DeleteUserPolicy", url.Values{"UserName": {name}, "PolicyName": {policy}})
	c.back(w, r, s, Prefix+"iam/users/"+url.PathEscape(name), err, "Inline policy "+policy+" deleted.")
}

func (c *Console) attachUserPolicy(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("user")
	_, err := c.iam(r, s, "AttachUserPolicy", url.Values{"UserName": {name}, "PolicyArn": {strings.TrimSpace(r.PostFormValue("policy_arn"))}})
	c.back(w, r, s, Prefix+"iam/users/"+url.PathEscape(name), err, "Policy attached.")
}

func (c *Console) groups(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.iam(r, s, "ListGroups", url.Values{})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	c.render(w, s, "groups.html", "User groups", "iam", out)
}

func (c *Console) createGroup(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	_, err := c.iam(r, s, "CreateGroup", url.Values{"GroupName": {name}})
	c.back(w, r, s, Prefix+"iam/groups", err, "User group "+name+" created.")
}

func (c *Console) addToGroup(w http.ResponseWriter, r *http.Request, s *session) {
	group := r.PathValue("group")
	user := strings.TrimSpace(r.PostFormValue("user"))
	_, err := c.iam(r, s, "AddUserToGroup", url.Values{"GroupName": {group}, "UserName": {user}})
	c.back(w, r, s, Prefix+"iam/groups", err, "User "+user+" added to "+group+".")
}

func (c *Console) roles(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.iam(r, s, "ListRoles", url.Values{})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	c.render(w, s, "roles.html", "Roles", "iam", map[string]any{"Roles": get(out, "Roles"),
		"Trust": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
}

func (c *Console) createRole(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	_, err := c.iam(r, s, "CreateRole", url.Values{"RoleName": {name}, "AssumeRolePolicyDocument": {strings.TrimSpace(r.PostFormValue("trust"))}})
	c.back(w, r, s, Prefix+"iam/roles", err, "Role "+name+" created.")
}

// simulator is IAM's policy simulator: a principal's policies judged for
// actions on a resource (SimulatePrincipalPolicy), nothing performed.
func (c *Console) simulator(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	d := map[string]any{"Principal": q.Get("principal"), "Actions": q.Get("actions"), "Resource": q.Get("resource")}
	if p := q.Get("principal"); p != "" {
		params := url.Values{"PolicySourceArn": {p}}
		n := 0
		for a := range strings.FieldsSeq(strings.ReplaceAll(q.Get("actions"), ",", " ")) {
			n++
			params.Set("ActionNames.member."+itoa(int64(n)), a)
		}
		if res := strings.TrimSpace(q.Get("resource")); res != "" {
			params.Set("ResourceArns.member.1", res)
		}
		out, err := c.iam(r, s, "SimulatePrincipalPolicy", params)
		if ae, _ := asAWS(err); ae != nil && ae.Code == "AccessDenied" {
			c.fail(w, s, err) // the denial page, as every page
			return
		} else if err != nil {
			d["Error"] = ae
		} else {
			d["Results"] = get(out, "EvaluationResults")
		}
	}
	c.render(w, s, "simulator.html", "Policy simulator", "iam", d)
}

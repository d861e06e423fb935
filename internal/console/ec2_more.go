package console

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	ec2svc "github.com/gureum/gureum/internal/ec2"
)

// AMIs (the account's own: deregister) and key pairs (create with a
// one-time .pem, import a public key, delete).

func (c *Console) routeEC2More() {
	c.handle("GET "+Prefix+"ec2/images", c.signedIn(c.images))
	c.handle("POST "+Prefix+"ec2/images/{id}/deregister", c.signedIn(c.deregister))
	c.handle("GET "+Prefix+"ec2/keys", c.signedIn(c.keyPairs))
	c.handle("POST "+Prefix+"ec2/keys/create", c.signedIn(c.createKeyPair))
	c.handle("POST "+Prefix+"ec2/keys/import", c.signedIn(c.importKeyPair))
	c.handle("POST "+Prefix+"ec2/keys/{name}/delete", c.signedIn(c.deleteKeyPair))
}

func (c *Console) images(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.ec2(r, s, "DescribeImages", url.Values{"Owner.1": {"self"}})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	c.render(w, s, "images.html", "AMIs", "ec2", map[string]any{"Images": get(out, "Images").([]*ec2svc.Image)})
}

func (c *Console) deregister(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	_, err := c.ec2(r, s, "DeregisterImage", url.Values{"ImageId": {id}})
	c.back(w, r, s, Prefix+"ec2/images", err, "Successfully deregistered "+id)
}

func (c *Console) keyPairs(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.ec2(r, s, "DescribeKeyPairs", url.Values{})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	c.mu.Lock()
	pem := s.pemName
	c.mu.Unlock()
	c.render(w, s, "keys.html", "Key pairs", "ec2", map[string]any{"Keys": get(out, "KeyPairs").([]*ec2svc.KeyPair), "PEM": pem})
}

func (c *Console) createKeyPair(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	p := url.Values{"KeyName": {name}}
	if t := r.PostFormValue("type"); t == "ed25519" {
		p.Set("KeyType", t)
	}
	out, err := c.ec2(r, s, "CreateKeyPair", p)
	if err == nil {
		c.mu.Lock()
		if s.pem == nil {
			s.pem = map[string]string{}
		}
		s.pem[name], s.pemName = get(out, "KeyMaterial").(string), name
		c.mu.Unlock()
	}
	c.back(w, r, s, Prefix+"ec2/keys", err, "Successfully created key pair "+name+".")
}

func (c *Console) importKeyPair(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	_, err := c.ec2(r, s, "ImportKeyPair", url.Values{"KeyName": {name}, "PublicKeyMaterial": {b64(strings.TrimSpace(r.PostFormValue("public_key")))}})
	c.back(w, r, s, Prefix+"ec2/keys", err, "Successfully imported key pair "+name+".")
}

func (c *Console) deleteKeyPair(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	_, err := c.ec2(r, s, "DeleteKeyPair", url.Values{"KeyName": {name}})
	c.back(w, r, s, Prefix+"ec2/keys", err, "Successfully deleted key pair "+name+".")
}

// b64 encodes a key file's text as the wire carries it (blob).
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

package console

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/awsproto/query"
	ec2svc "github.com/gureum/gureum/internal/ec2"
)

// EC2 pages: instances (refreshing while any is changing state), the
// launch wizard (AMI, type, key pair with a one-time .pem, VPC → subnet →
// the security groups of that VPC only, user data), start / stop /
// reboot / terminate, console output, create image.

func (c *Console) routeEC2() {
	c.handle("GET "+Prefix+"ec2/instances", c.signedIn(c.instances))
	c.handle("GET "+Prefix+"ec2/launch", c.signedIn(c.launchPage))
	c.handle("POST "+Prefix+"ec2/launch", c.signedIn(c.launch))
	c.handle("POST "+Prefix+"ec2/instances/{id}/{action}", c.signedIn(c.instanceAction))
	c.handle("GET "+Prefix+"ec2/instances/{id}/console", c.signedIn(c.consoleOutput))
	c.handle("GET "+Prefix+"ec2/keys/{name}/pem", c.signedIn(c.keyPEM))
}

func (c *Console) ec2(r *http.Request, s *session, name string, params url.Values) (any, error) {
	return c.invokeQuery(r, s, c.cfg.EC2, query.DecodeEC2, name, params)
}

// nameTag is a resource's Name tag.
func nameTag(tags []ec2svc.Tag) string {
	for _, t := range tags {
		if t.Key == "Name" {
			return t.Value
		}
	}
	return ""
}

type instanceRow struct {
	*ec2svc.Instance
	Name string
}

func (c *Console) instances(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.ec2(r, s, "DescribeInstances", url.Values{})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	var rows []instanceRow
	changing := false
	for _, res := range get(out, "Reservations").([]*ec2svc.Reservation) {
		for _, i := range res.Instances {
			rows = append(rows, instanceRow{Instance: i, Name: nameTag(i.Tags)})
			switch i.State.Name {
			case "pending", "stopping", "shutting-down":
				changing = true
			}
		}
	}
	c.mu.Lock()
	pem := s.pemName
	c.mu.Unlock()
	c.render(w, s, "instances.html", "Instances", "ec2", map[string]any{"Instances": rows, "Refresh": changing, "PEM": pem})
}

type launchData struct {
	Images     []*ec2svc.Image
	Types      []string
	Keys       []*ec2svc.KeyPair
	Vpcs       []*ec2svc.Vpc
	Vpc        string
	Subnets    []*ec2svc.Subnet
	Groups     []*ec2svc.SecurityGroup
	ImageOwner string
}

// launchPage is the launch wizard; the VPC chosen (a GET of the form)
// decides which subnets and security groups it offers.
func (c *Console) launchPage(w http.ResponseWriter, r *http.Request, s *session) {
	d := launchData{Types: []string{"t3.micro", "t3.small", "t3.medium", "t2.micro", "m5.large", "c5.large"}, Vpc: r.URL.Query().Get("vpc")}
	imgs, err := c.ec2(r, s, "DescribeImages", url.Values{"Owner.1": {"amazon"}, "Owner.2": {"self"}})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	d.Images = get(imgs, "Images").([]*ec2svc.Image)
	keys, err := c.ec2(r, s, "DescribeKeyPairs", url.Values{})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	d.Keys = get(keys, "KeyPairs").([]*ec2svc.KeyPair)
	vpcs, err := c.ec2(r, s, "DescribeVpcs", url.Values{})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	d.Vpcs = get(vpcs, "Vpcs").([]*ec2svc.Vpc)
	if d.Vpc == "" {
		for _, v := range d.Vpcs {
			if v.IsDefault {
				d.Vpc = v.VpcID
			}
		}
	}
	if d.Vpc != "" {
		f := url.Values{"Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {d.Vpc}}
		subs, err := c.ec2(r, s, "DescribeSubnets", f)
		if err != nil {
			c.fail(w, s, err)
			return
		}
		d.Subnets = get(subs, "Subnets").([]*ec2svc.Subnet)
		sgs, err := c.ec2(r, s, "DescribeSecurityGroups", f)
		if err != nil {
			c.fail(w, s, err)
			return
		}
		d.Groups = get(sgs, "SecurityGroups").([]*ec2svc.SecurityGroup)
	}
	c.render(w, s, "launch.html", "Launch an instance", "ec2", d)
}

func (c *Console) launch(w http.ResponseWriter, r *http.Request, s *session) {
	f := r.PostForm
	back := Prefix + "ec2/launch?vpc=" + url.QueryEscape(f.Get("vpc"))
	p := url.Values{"ImageId": {f.Get("image")}, "InstanceType": {f.Get("type")}, "MinCount": {"1"}, "MaxCount": {"1"}}
	if sub := f.Get("subnet"); sub != "" {
		p.Set("SubnetId", sub)
	}
	for i, g := range f["group"] {
		p.Set("SecurityGroupId."+strconv.Itoa(i+1), g)
	}
	if ud := f.Get("user_data"); ud != "" {
		p.Set("UserData", base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(ud, "\r\n", "\n"))))
	}
	if name := strings.TrimSpace(f.Get("name")); name != "" {
		p.Set("TagSpecification.1.ResourceType", "instance")
		p.Set("TagSpecification.1.Tag.1.Key", "Name")
		p.Set("TagSpecification.1.Tag.1.Value", name)
	}
	key := f.Get("key")
	if newKey := strings.TrimSpace(f.Get("new_key")); newKey != "" {
		out, err := c.ec2(r, s, "CreateKeyPair", url.Values{"KeyName": {newKey}})
		if err != nil {
			c.back(w, r, s, back, err, "")
			return
		}
		c.mu.Lock()
		if s.pem == nil {
			s.pem = map[string]string{}
		}
		s.pem[newKey] = get(out, "KeyMaterial").(string)
		s.pemName = newKey
		c.mu.Unlock()
		key = newKey
	}
	if key != "" {
		p.Set("KeyName", key)
	}
	out, err := c.ec2(r, s, "RunInstances", p)
	if err != nil {
		c.back(w, r, s, back, err, "")
		return
	}
	id := get(out, "Instances").([]*ec2svc.Instance)[0].InstanceID
	c.back(w, r, s, Prefix+"ec2/instances", nil, "Successfully initiated launch of instance ("+id+")")
}

// keyPEM downloads a key pair created in the wizard, once.
func (c *Console) keyPEM(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	c.mu.Lock()
	pem, ok := s.pem[name]
	delete(s.pem, name)
	if s.pemName == name {
		s.pemName = ""
	}
	c.mu.Unlock()
	if !ok {
		http.Error(w, "The private key can be downloaded only once, right after the key pair is created.", http.StatusGone)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(name)+`.pem"`)
	_, _ = w.Write([]byte(pem))
}

// stateActions are the instance state changes the instances page offers:
// the operation and the word for what it did.
var stateActions = map[string][2]string{
	"start": {"StartInstances", "started"}, "stop": {"StopInstances", "stopped"},
	"reboot": {"RebootInstances", "rebooted"}, "terminate": {"TerminateInstances", "terminated"},
}

func (c *Console) instanceAction(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	a := r.PathValue("action")
	if sa, ok := stateActions[a]; ok {
		_, err := c.ec2(r, s, sa[0], url.Values{"InstanceId.1": {id}})
		c.back(w, r, s, Prefix+"ec2/instances", err, "Successfully "+sa[1]+" "+id)
		return
	}
	if a != "image" {
		http.NotFound(w, r)
		return
	}
	msg := ""
	out, err := c.ec2(r, s, "CreateImage", url.Values{"InstanceId": {id}, "Name": {r.PostFormValue("image_name")}})
	if err == nil {
		msg = "Image " + get(out, "ImageID").(string) + " is being created from " + id
	}
	c.back(w, r, s, Prefix+"ec2/instances", err, msg)
}

func (c *Console) consoleOutput(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	out, err := c.ec2(r, s, "GetConsoleOutput", url.Values{"InstanceId": {id}, "Latest": {"true"}})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	text, _ := base64.StdEncoding.DecodeString(get(out, "Output").(string))
	c.render(w, s, "console_output.html", id+" console output", "ec2", map[string]any{"ID": id, "Output": string(text)})
}

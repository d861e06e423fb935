package console

import (
	"net/http"
	"net/url"
	"strings"

	ec2svc "github.com/gureum/gureum/internal/ec2"
)

// Elastic IPs (allocate, associate with an instance, disassociate,
// release) and an instance's connect instructions.

func (c *Console) routeEC2Net() {
	c.handle("GET "+Prefix+"ec2/addresses", c.signedIn(c.addresses))
	c.handle("POST "+Prefix+"ec2/addresses/allocate", c.signedIn(c.allocateAddress))
	c.handle("POST "+Prefix+"ec2/addresses/{alloc}/associate", c.signedIn(c.associateAddress))
	c.handle("POST "+Prefix+"ec2/addresses/{alloc}/disassociate", c.signedIn(c.disassociateAddress))
	c.handle("POST "+Prefix+"ec2/addresses/{alloc}/release", c.signedIn(c.releaseAddress))
	c.handle("GET "+Prefix+"ec2/instances/{id}/connect", c.signedIn(c.connect))
}

type addressRow struct {
	*ec2svc.Address
	Name string
}

func (c *Console) addresses(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.ec2(r, s, "DescribeAddresses", url.Values{})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	// The instances an address can be associated with: those in a VPC
	// that are not terminated.
	insts, err := c.ec2(r, s, "DescribeInstances", url.Values{"Filter.1.Name": {"instance-state-name"},
		"Filter.1.Value.1": {"pending"}, "Filter.1.Value.2": {"running"}, "Filter.1.Value.3": {"stopping"}, "Filter.1.Value.4": {"stopped"}})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	var rows []addressRow
	for _, a := range get(out, "Addresses").([]*ec2svc.Address) {
		rows = append(rows, addressRow{Address: a, Name: nameTag(a.Tags)})
	}
	var targets []instanceRow
	for _, res := range get(insts, "Reservations").([]*ec2svc.Reservation) {
		for _, i := range res.Instances {
			targets = append(targets, instanceRow{Instance: i, Name: nameTag(i.Tags)})
		}
	}
	c.render(w, s, "addresses.html", "Elastic IP addresses", "ec2", map[string]any{"Addresses": rows, "Instances": targets})
}

func (c *Console) allocateAddress(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.ec2(r, s, "AllocateAddress", url.Values{"Domain": {"vpc"}})
	msg := ""
	if err == nil {
		msg = "Elastic IP address allocated successfully: " + get(out, "PublicIP").(string)
	}
	c.back(w, r, s, Prefix+"ec2/addresses", err, msg)
}

func (c *Console) associateAddress(w http.ResponseWriter, r *http.Request, s *session) {
	alloc, inst := r.PathValue("alloc"), r.PostFormValue("instance")
	_, err := c.ec2(r, s, "AssociateAddress", url.Values{"AllocationId": {alloc}, "InstanceId": {inst}})
	c.back(w, r, s, Prefix+"ec2/addresses", err, "Elastic IP address "+alloc+" associated with "+inst+".")
}

func (c *Console) disassociateAddress(w http.ResponseWriter, r *http.Request, s *session) {
	alloc := r.PathValue("alloc")
	_, err := c.ec2(r, s, "DisassociateAddress", url.Values{"AssociationId": {r.PostFormValue("association")}})
	c.back(w, r, s, Prefix+"ec2/addresses", err, "Elastic IP address "+alloc+" disassociated.")
}

func (c *Console) releaseAddress(w http.ResponseWriter, r *http.Request, s *session) {
	alloc := r.PathValue("alloc")
	_, err := c.ec2(r, s, "ReleaseAddress", url.Values{"AllocationId": {alloc}})
	c.back(w, r, s, Prefix+"ec2/addresses", err, "Elastic IP address "+alloc+" released.")
}

// connect shows how to reach an instance: an SSH client with its key
// pair's .pem (AWS's "SSH client" tab), and gureum ssh (EC2 Instance
// Connect's place).
func (c *Console) connect(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	out, err := c.ec2(r, s, "DescribeInstances", url.Values{"InstanceId.1": {id}})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	var inst *ec2svc.Instance
	for _, res := range get(out, "Reservations").([]*ec2svc.Reservation) {
		inst = res.Instances[0]
	}
	// The AMI's default user, as AWS's page names it: admin on Debian,
	// ec2-user otherwise.
	user := "ec2-user"
	if img, err := c.ec2(r, s, "DescribeImages", url.Values{"ImageId.1": {inst.ImageID}}); err == nil {
		for _, im := range get(img, "Images").([]*ec2svc.Image) {
			if strings.Contains(strings.ToLower(im.Name+" "+im.Description), "debian") {
				user = "admin"
			}
		}
	}
	host := inst.IPAddress
	if inst.DNSName != "" {
		host = inst.DNSName
	}
	c.render(w, s, "connect.html", "Connect to "+id, "ec2", map[string]any{"Instance": inst, "Name": nameTag(inst.Tags), "User": user, "Host": host})
}

// Package vpcdns is the Amazon-provided DNS resolver of one VPC: the
// Route 53 Resolver that AWS runs at the VPC's base address + 2.
//
// Instances in a VPC resolve their own and their neighbours' EC2 names
// through it (ip-10-0-1-5.ec2.internal, ec2-203-0-113-5.compute-1.amazonaws.com)
// and reach the rest of the DNS through it too. gureum owns the EC2 names,
// so they are answered here from the region's state (a Records), never sent
// upstream: the real DNS would answer them for the real AWS, not for this
// emulated region. Every other name is forwarded to the resolvers gureum
// itself uses, which is how a VPC's resolver reaches the internet; with no
// forwarders, as in an isolated network, such names get SERVFAIL.
//
// The package is transport only: netplane opens the sockets inside the
// VPC's network (Dataplane.Listen at base + 2, port 53, udp and tcp) and
// hands them to ServeUDP and ServeTCP.
package vpcdns

package ec2

// networkACLOps returns this file's operations (not written yet).
func (s *Service) networkACLOps() opTable { return nil }

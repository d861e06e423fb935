package ec2

// securityGroupOps returns this file's operations (not written yet).
func (s *Service) securityGroupOps() opTable { return nil }

package ec2

// networkInterfaceOps returns this file's operations (not written yet).
func (s *Service) networkInterfaceOps() opTable { return nil }

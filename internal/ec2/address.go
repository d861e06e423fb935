package ec2

// addressOps returns this file's operations (not written yet).
func (s *Service) addressOps() opTable { return nil }

package ec2

// imageOps returns this file's operations (not written yet).
func (s *Service) imageOps() opTable { return nil }

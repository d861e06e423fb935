package ec2

// keyPairOps returns this file's operations (not written yet).
func (s *Service) keyPairOps() opTable { return nil }

package ec2

// instanceOps returns this file's operations (not written yet).
func (s *Service) instanceOps() opTable { return nil }

package ec2

// instanceTypeOps returns this file's operations (not written yet).
func (s *Service) instanceTypeOps() opTable { return nil }

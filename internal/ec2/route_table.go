package ec2

// routeTableOps returns this file's operations (not written yet).
func (s *Service) routeTableOps() opTable { return nil }

package ec2

// internetGatewayOps returns this file's operations (not written yet).
func (s *Service) internetGatewayOps() opTable { return nil }

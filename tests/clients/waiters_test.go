package clients

import "testing"

// TestBotocoreWaiters runs every botocore waiter of EC2, S3 and IAM whose
// operation gureum serves to its success state (and its failure state
// where a user can provoke one) against the shared server.
func TestBotocoreWaiters(t *testing.T) {
	t.Parallel()
	runClient(t, []string{lookBoto3(t), "waiters_boto3.py"})
}

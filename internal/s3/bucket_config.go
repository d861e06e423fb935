package s3

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/restxml"
)

// Bucket configurations that infrastructure-as-code tools read on every
// refresh: server access logging, Transfer Acceleration, Requester Pays,
// replication, event notifications and Object Lock. gureum keeps them and
// answers them as S3 does; it writes no logs, accelerates and bills
// nothing, replicates nothing and sends no events.

// rawXMLOutput is a stored document, answered as it was put.
type rawXMLOutput struct {
	ContentType   string        `loc:"header,Content-Type"`
	ContentLength string        `loc:"header,Content-Length"`
	Body          io.ReadCloser `loc:"body"`
}

// storedDocument trims a document to keep: no XML declaration, no
// surrounding space.
func storedDocument(body []byte) string {
	b := bytes.TrimSpace(body)
	if bytes.HasPrefix(b, []byte("<?xml")) {
		if i := bytes.Index(b, []byte("?>")); i >= 0 {
			b = bytes.TrimSpace(b[i+2:])
		}
	}
	return string(b)
}

func rawXML(doc string) *rawXMLOutput {
	b := xml.Header + doc
	return &rawXMLOutput{ContentType: "application/xml", ContentLength: strconv.Itoa(len(b)), Body: io.NopCloser(strings.NewReader(b))}
}

// emptyDocument is an element with S3's namespace and nothing in it.
func emptyDocument(name string) *rawXMLOutput {
	return rawXML("<" + name + ` xmlns="` + restxml.Namespace + `"/>`)
}

// Server access logging.

type loggingStatus struct {
	XMLName        xml.Name `xml:"BucketLoggingStatus"`
	LoggingEnabled *struct {
		TargetBucket string  `xml:"TargetBucket"`
		TargetPrefix *string `xml:"TargetPrefix"`
	} `xml:"LoggingEnabled"`
}

type PutDocumentInput struct {
	Bucket string `loc:"uri,Bucket"`
	Body   []byte `loc:"body"`
}

func errInvalidTargetBucketForLogging(msg, target string) error {
	return awsproto.New(http.StatusBadRequest, "InvalidTargetBucketForLogging", msg).With("TargetBucket", target)
}

// PutBucketLogging sets (or, with an empty BucketLoggingStatus, turns
// off) server access logging. The target bucket must exist, belong to the
// same account and be in the same region.
func (s *Service) PutBucketLogging(ctx context.Context, in *PutDocumentInput) (*struct{}, error) {
	var doc loggingStatus
	if err := xml.Unmarshal(in.Body, &doc); err != nil {
		return nil, errMalformedXML()
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	stored := ""
	if le := doc.LoggingEnabled; le != nil {
		if le.TargetBucket == "" || le.TargetPrefix == nil {
			return nil, errMalformedXML()
		}
		tb, err := s.loadBucket(ctx, le.TargetBucket)
		switch {
		case err != nil:
			return nil, errInvalidTargetBucketForLogging("The target bucket for logging does not exist", le.TargetBucket)
		case tb.Account != b.Account:
			return nil, errInvalidTargetBucketForLogging("The owner for the bucket to be logged and the target bucket must be the same.", le.TargetBucket)
		case tb.Region != b.Region:
			return nil, awsproto.New(http.StatusForbidden, "CrossLocationLoggingProhibitted", "Cross S3 location logging not allowed. ").
				With("SourceBucketLocation", b.Region).With("TargetBucketLocation", tb.Region)
		}
		stored = storedDocument(in.Body)
	}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Logging = stored
		return nil
	})
}

// GetBucketLogging returns the logging status; an empty
// BucketLoggingStatus when logging is off.
func (s *Service) GetBucketLogging(ctx context.Context, in *BucketInput) (*rawXMLOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Logging == "" {
		return emptyDocument("BucketLoggingStatus"), nil
	}
	return rawXML(b.Logging), nil
}

// Transfer Acceleration.

type accelerateConfiguration struct {
	XMLName xml.Name `xml:"AccelerateConfiguration"`
	Status  string   `xml:"Status,omitempty"`
}

type PutBucketAccelerateInput struct {
	Bucket string                   `loc:"uri,Bucket"`
	Config *accelerateConfiguration `loc:"body"`
}

type GetBucketAccelerateOutput struct {
	Body *accelerateConfiguration `loc:"body"`
}

// PutBucketAccelerateConfiguration enables or suspends Transfer
// Acceleration, which S3 refuses for bucket names with dots.
func (s *Service) PutBucketAccelerateConfiguration(ctx context.Context, in *PutBucketAccelerateInput) (*struct{}, error) {
	if in.Config == nil || (in.Config.Status != "Enabled" && in.Config.Status != "Suspended") {
		return nil, errMalformedXML()
	}
	if strings.Contains(in.Bucket, ".") {
		if _, err := s.loadBucket(ctx, in.Bucket); err != nil {
			return nil, err
		}
		return nil, errInvalidRequest("S3 Transfer Acceleration is not supported for buckets with periods (.) in their names")
	}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Accelerate = in.Config.Status
		return nil
	})
}

// GetBucketAccelerateConfiguration returns the acceleration status: none
// (an empty document) until it was set, then Enabled or Suspended.
func (s *Service) GetBucketAccelerateConfiguration(ctx context.Context, in *BucketInput) (*GetBucketAccelerateOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	return &GetBucketAccelerateOutput{Body: &accelerateConfiguration{Status: b.Accelerate}}, nil
}

// Requester Pays.

type requestPaymentConfiguration struct {
	XMLName xml.Name `xml:"RequestPaymentConfiguration"`
	Payer   string   `xml:"Payer"`
}

type PutBucketRequestPaymentInput struct {
	Bucket string                       `loc:"uri,Bucket"`
	Config *requestPaymentConfiguration `loc:"body"`
}

type GetBucketRequestPaymentOutput struct {
	Body *requestPaymentConfiguration `loc:"body"`
}

// PutBucketRequestPayment sets who pays for requests: BucketOwner or
// Requester.
func (s *Service) PutBucketRequestPayment(ctx context.Context, in *PutBucketRequestPaymentInput) (*struct{}, error) {
	if in.Config == nil || (in.Config.Payer != "BucketOwner" && in.Config.Payer != "Requester") {
		return nil, errMalformedXML()
	}
	payer := in.Config.Payer
	if payer == "BucketOwner" {
		payer = ""
	}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Payer = payer
		return nil
	})
}

// GetBucketRequestPayment returns the payer, BucketOwner by default.
func (s *Service) GetBucketRequestPayment(ctx context.Context, in *BucketInput) (*GetBucketRequestPaymentOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	payer := b.Payer
	if payer == "" {
		payer = "BucketOwner"
	}
	return &GetBucketRequestPaymentOutput{Body: &requestPaymentConfiguration{Payer: payer}}, nil
}

// Replication.

type replicationConfiguration struct {
	XMLName xml.Name `xml:"ReplicationConfiguration"`
	Role    string   `xml:"Role"`
	Rules   []struct {
		ID          string `xml:"ID"`
		Status      string `xml:"Status"`
		Destination *struct {
			Bucket string `xml:"Bucket"`
		} `xml:"Destination"`
	} `xml:"Rule"`
}

func errReplicationNotFound(bucket string) error {
	return awsproto.New(http.StatusNotFound, "ReplicationConfigurationNotFoundError", "The replication configuration was not found").With("BucketName", bucket)
}

// PutBucketReplication sets the bucket's replication configuration: a
// role and 1 to 1,000 rules, each to an existing versioned bucket; the
// bucket itself must have versioning enabled.
func (s *Service) PutBucketReplication(ctx context.Context, in *PutDocumentInput) (*struct{}, error) {
	var doc replicationConfiguration
	if err := xml.Unmarshal(in.Body, &doc); err != nil {
		return nil, errMalformedXML()
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Versioning != "Enabled" {
		return nil, errInvalidRequest("Versioning must be 'Enabled' on the bucket to apply a replication configuration")
	}
	if doc.Role == "" || len(doc.Rules) == 0 || len(doc.Rules) > 1000 {
		return nil, errMalformedXML()
	}
	for _, r := range doc.Rules {
		if (r.Status != "Enabled" && r.Status != "Disabled") || r.Destination == nil || len(r.ID) > 255 {
			return nil, errMalformedXML()
		}
		name, ok := strings.CutPrefix(r.Destination.Bucket, "arn:aws:s3:::")
		if !ok || name == "" {
			return nil, invalidArgument("Invalid bucket ARN.", "Bucket", r.Destination.Bucket)
		}
		db, err := s.loadBucket(ctx, name)
		if err != nil {
			return nil, errInvalidRequest("Destination bucket must exist.")
		}
		if db.Versioning != "Enabled" {
			return nil, errInvalidRequest("Destination bucket must have versioning enabled.")
		}
	}
	stored := storedDocument(in.Body)
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Replication = stored
		return nil
	})
}

// GetBucketReplication returns the replication configuration as put, or
// ReplicationConfigurationNotFoundError.
func (s *Service) GetBucketReplication(ctx context.Context, in *BucketInput) (*rawXMLOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Replication == "" {
		return nil, errReplicationNotFound(b.Name)
	}
	return rawXML(b.Replication), nil
}

// DeleteBucketReplication removes the replication configuration.
func (s *Service) DeleteBucketReplication(ctx context.Context, in *BucketInput) (*NoContentOutput, error) {
	return noContent, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Replication = ""
		return nil
	})
}

// Event notifications.

type notificationTarget struct {
	ID     string   `xml:"Id"`
	Events []string `xml:"Event"`
}

type notificationConfiguration struct {
	XMLName xml.Name             `xml:"NotificationConfiguration"`
	Topics  []notificationTarget `xml:"TopicConfiguration"`
	Queues  []notificationTarget `xml:"QueueConfiguration"`
	Lambdas []notificationTarget `xml:"CloudFunctionConfiguration"`
	Bridge  *struct{}            `xml:"EventBridgeConfiguration"`
}

// notificationEvents are the event types S3 publishes
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html).
var notificationEvents = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range []string{
		"s3:ReducedRedundancyLostObject", "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post",
		"s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*",
		"s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectRestore:*",
		"s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:Replication:*",
		"s3:Replication:OperationFailedReplication", "s3:Replication:OperationNotTracked",
		"s3:Replication:OperationMissedThreshold", "s3:Replication:OperationReplicatedAfterThreshold",
		"s3:ObjectRestore:Delete", "s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectAcl:Put",
		"s3:LifecycleExpiration:*", "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
		"s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete",
	} {
		m[e] = true
	}
	return m
}()

// PutBucketNotificationConfiguration replaces the bucket's event
// notifications; an empty NotificationConfiguration removes them. Every
// destination needs events S3 knows.
func (s *Service) PutBucketNotificationConfiguration(ctx context.Context, in *PutDocumentInput) (*struct{}, error) {
	var doc notificationConfiguration
	if err := xml.Unmarshal(in.Body, &doc); err != nil {
		return nil, errMalformedXML()
	}
	for _, list := range [][]notificationTarget{doc.Topics, doc.Queues, doc.Lambdas} {
		for _, t := range list {
			if len(t.Events) == 0 {
				return nil, errMalformedXML()
			}
			for _, e := range t.Events {
				if !notificationEvents[e] {
					return nil, invalidArgument("The event is not supported for notifications", "Event", e)
				}
			}
		}
	}
	stored := ""
	if len(doc.Topics)+len(doc.Queues)+len(doc.Lambdas) > 0 || doc.Bridge != nil {
		stored = storedDocument(in.Body)
	}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Notification = stored
		return nil
	})
}

// GetBucketNotificationConfiguration returns the notifications as put; an
// empty NotificationConfiguration when there are none.
func (s *Service) GetBucketNotificationConfiguration(ctx context.Context, in *BucketInput) (*rawXMLOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Notification == "" {
		return emptyDocument("NotificationConfiguration"), nil
	}
	return rawXML(b.Notification), nil
}

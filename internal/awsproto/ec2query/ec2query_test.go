package ec2query

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gureum/gureum/internal/awsproto"
)

func TestWrite(t *testing.T) {
	w := httptest.NewRecorder()
	type vpc struct {
		ID string `xml:"vpcId"`
	}
	out := &struct {
		Vpcs []vpc `xml:"vpcSet>item"`
	}{[]vpc{{"vpc-1"}}}
	if err := Write(w, "DescribeVpcs", "R1", out); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>R1</requestId><vpcSet><item><vpcId>vpc-1</vpcId></item></vpcSet></DescribeVpcsResponse>`
	if w.Body.String() != want {
		t.Fatalf("got  %s\nwant %s", w.Body.String(), want)
	}
}

func TestWriteError(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, awsproto.New(http.StatusBadRequest, "InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist"), "R2")
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID &#39;vpc-1&#39; does not exist</Message></Error></Errors><RequestID>R2</RequestID></Response>`
	if w.Code != 400 || w.Body.String() != want {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
}

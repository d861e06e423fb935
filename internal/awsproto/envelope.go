package awsproto

import (
	"encoding/xml"
	"net/http"
	"strconv"
)

// xmlText escapes s for XML character data.
func xmlText(buf []byte, s string) []byte {
	var b xmlBuf
	b.b = buf
	_ = xml.EscapeText(&b, []byte(s))
	return b.b
}

type xmlBuf struct{ b []byte }

func (x *xmlBuf) Write(p []byte) (int, error) { x.b = append(x.b, p...); return len(p), nil }

func writeHeaders(w http.ResponseWriter, e *Error, contentType string, bodyLen int) {
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(bodyLen))
}

// WriteS3Error renders e in S3's envelope:
//
//	<Error><Code/><Message/>…extras…<RequestId/><HostId/></Error>
//
// A HEAD request gets the status and headers only, as S3 does.
func WriteS3Error(w http.ResponseWriter, r *http.Request, e *Error, requestID, hostID string) {
	b := make([]byte, 0, 256)
	b = append(b, xml.Header...)
	b = append(b, "<Error><Code>"...)
	b = xmlText(b, e.Code)
	b = append(b, "</Code><Message>"...)
	b = xmlText(b, e.Message)
	b = append(b, "</Message>"...)
	for _, kv := range e.Extra {
		b = append(b, '<')
		b = append(b, kv[0]...)
		b = append(b, '>')
		b = xmlText(b, kv[1])
		b = append(b, "</"...)
		b = append(b, kv[0]...)
		b = append(b, '>')
	}
	b = append(b, "<RequestId>"...)
	b = xmlText(b, requestID)
	b = append(b, "</RequestId><HostId>"...)
	b = xmlText(b, hostID)
	b = append(b, "</HostId></Error>"...)
	if r.Method == http.MethodHead {
		for k, v := range e.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(e.Status)
		return
	}
	writeHeaders(w, e, "application/xml", len(b))
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// WriteQueryError renders e in the query protocols' envelope (IAM, STS and
// services not implemented yet):
//
//	<ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>
func WriteQueryError(w http.ResponseWriter, e *Error, requestID string) {
	b := make([]byte, 0, 256)
	b = append(b, xml.Header...)
	b = append(b, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>`...)
	if e.Receiver {
		b = append(b, "Receiver"...)
	} else {
		b = append(b, "Sender"...)
	}
	b = append(b, "</Type><Code>"...)
	b = xmlText(b, e.Code)
	b = append(b, "</Code><Message>"...)
	b = xmlText(b, e.Message)
	b = append(b, "</Message></Error><RequestId>"...)
	b = xmlText(b, requestID)
	b = append(b, "</RequestId></ErrorResponse>"...)
	writeHeaders(w, e, "text/xml", len(b))
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

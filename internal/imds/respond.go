package imds

import (
	"fmt"
	"net/http"
	"strconv"
)

// errorPage is the body of AWS's metadata error responses.
const errorPage = `<?xml version="1.0" encoding="iso-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
		 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>%[1]d - %[2]s</title>
 </head>
 <body>
  <h1>%[1]d - %[2]s</h1>
 </body>
</html>
`

// writeStatus answers an error status with AWS's page.
func writeStatus(w http.ResponseWriter, r *http.Request, code int) {
	body := fmt.Sprintf(errorPage, code, http.StatusText(code))
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Del(HeaderTokenTTL)
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write([]byte(body))
	}
}

// writeBody answers 200 with body.
func writeBody(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

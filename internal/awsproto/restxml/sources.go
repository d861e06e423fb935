package restxml

import (
	"net/http"
	"net/url"
	"reflect"
)

// Sources is Decode the other way for the parts of a request condition
// keys read: the headers and query a typed input stands for (an
// in-process call has no request to read them from).
func Sources(in any) (http.Header, url.Values) {
	h, q := http.Header{}, url.Values{}
	v := reflect.ValueOf(in).Elem()
	for _, f := range plan(v.Type()) {
		fv := v.FieldByIndex(f.index)
		switch f.loc {
		case locHeader:
			if s, ok := formatScalar(fv); ok {
				h.Set(f.name, s)
			}
		case locQuery:
			if s, ok := formatScalar(fv); ok {
				q.Set(f.name, s)
			}
		case locHeaders:
			for k, s := range fv.Interface().(map[string]string) {
				h.Set(f.name+k, s)
			}
		case locAllHeaders:
			if all, ok := fv.Interface().(http.Header); ok {
				for k, vs := range all {
					if _, set := h[k]; !set {
						h[k] = vs
					}
				}
			}
		}
	}
	return h, q
}

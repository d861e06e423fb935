// Package recfield edits the JSON records services keep in the store without
// knowing their type: one field is rewritten, every other field is kept as
// it was, byte for byte.
package recfield

import "encoding/json"

// EditList rewrites the list in field of the JSON object raw with fn and
// returns the new object; an empty result removes the field. Tags are the
// use: every taggable IAM and EC2 record keeps them as "tags".
func EditList[T any](raw []byte, field string, fn func([]T) ([]T, error)) ([]byte, error) {
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, err
	}
	var list []T
	if v, ok := rec[field]; ok {
		if err := json.Unmarshal(v, &list); err != nil {
			return nil, err
		}
	}
	list, err := fn(list)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		delete(rec, field)
	} else if rec[field], err = json.Marshal(list); err != nil {
		return nil, err
	}
	return json.Marshal(rec)
}

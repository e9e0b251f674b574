package cognito

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"

	cipdocument "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	smithydocument "github.com/aws/smithy-go/document"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
)

// Free-form members: the few Cognito members that are not a structure but
// an open JSON document (ManagedLoginBranding's Settings), which the SDK
// models as a smithy document.Interface, and blobs ([]byte, such as an
// asset's Bytes), which Cognito's JSON carries as base64. Both are found by
// their Go type, never by a member name, so a member Cognito adds later of
// either kind round-trips without a change here.

var (
	documentType  = reflect.TypeFor[cipdocument.Interface]()
	marshalerType = reflect.TypeFor[smithydocument.Marshaler]()
)

// documentPlan writes a document Cognito answered with. The SDK keeps its
// numbers as the literals Cognito sent (json.Number), so 12345678901234567890
// and 0.1 come out as they went in; re-encoding the tree, rather than
// copying the SDK's bytes, sorts members and escapes as every other answer
// does.
func documentPlan(p *plan) {
	p.set = func(v reflect.Value) bool { return !v.IsNil() }
	p.doc = func(v reflect.Value) any {
		tree, _ := documentTree(v)
		return tree
	}
	p.encode = func(dst []byte, v reflect.Value, escapeHTML bool) ([]byte, error) {
		tree, err := documentTree(v)
		if err != nil {
			return dst, err
		}
		return canonjson.Append(dst, tree, escapeHTML)
	}
}

// documentTree decodes a document into map[string]any, []any, json.Number
// and the other JSON scalars.
func documentTree(v reflect.Value) (any, error) {
	encoded, err := v.Interface().(smithydocument.Marshaler).MarshalSmithyDocument()
	if err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	return decodeExact(encoded)
}

func decodeExact(data []byte) (any, error) {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	var tree any
	if err := decoder.Decode(&tree); err != nil {
		return nil, err
	}
	return tree, nil
}

// blobPlan writes a []byte as encoding/json does, and as Cognito sends it:
// a base64 string.
func blobPlan(p *plan) {
	p.set = func(v reflect.Value) bool { return !v.IsNil() }
	p.doc = func(v reflect.Value) any { return base64.StdEncoding.EncodeToString(v.Bytes()) }
	p.encode = func(dst []byte, v reflect.Value, _ bool) ([]byte, error) {
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes())
		return append(dst, '"'), nil
	}
}

// inputDecoder is how JSON is decoded into the SDK input type t, decided
// once per action, when it is first called. encoding/json cannot decode a
// document.Interface member (it is an interface), so an input type that
// holds one anywhere is walked member by member, down to its documents;
// any other input is left to encoding/json whole.
func inputDecoder(t reflect.Type) func(data []byte, input any) error {
	if !holdsDocument(t) {
		return json.Unmarshal
	}
	return func(data []byte, input any) error {
		return decodeValue(data, reflect.ValueOf(input).Elem())
	}
}

func decodeValue(data []byte, v reflect.Value) error {
	t := v.Type()
	if t == documentType {
		tree, err := decodeExact(data)
		if err != nil || tree == nil {
			return err // null: the member stays unset
		}
		v.Set(reflect.ValueOf(cipdocument.NewLazyDocument(smithyNumbers(tree))))
		return nil
	}
	if !holdsDocument(t) {
		return json.Unmarshal(data, v.Addr().Interface())
	}
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return decodeValue(data, v.Elem())
	case reflect.Struct:
		var members map[string]json.RawMessage
		if err := json.Unmarshal(data, &members); err != nil {
			return err
		}
		for name, raw := range members {
			f, ok := t.FieldByName(name)
			if !ok || !f.IsExported() {
				continue // as encoding/json ignores an unknown member
			}
			if err := decodeValue(raw, v.FieldByIndex(f.Index)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	case reflect.Slice:
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return err
		}
		list := reflect.MakeSlice(t, len(items), len(items))
		for i, raw := range items {
			if err := decodeValue(raw, list.Index(i)); err != nil {
				return err
			}
		}
		v.Set(list)
	case reflect.Map:
		var entries map[string]json.RawMessage
		if err := json.Unmarshal(data, &entries); err != nil {
			return err
		}
		m := reflect.MakeMapWithSize(t, len(entries))
		for key, raw := range entries {
			elem := reflect.New(t.Elem()).Elem()
			if err := decodeValue(raw, elem); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), elem)
		}
		v.Set(m)
	default:
		return fmt.Errorf("cannot decode a %s", t)
	}
	return nil
}

// smithyNumbers turns the json.Number literals of a decoded tree, in
// place, into smithy document.Number, which the SDK's document encoder
// writes verbatim (a json.Number it would write as a string).
func smithyNumbers(tree any) any {
	switch x := tree.(type) {
	case map[string]any:
		for k, item := range x {
			x[k] = smithyNumbers(item)
		}
	case []any:
		for i, item := range x {
			x[i] = smithyNumbers(item)
		}
	case json.Number:
		return smithydocument.Number(x)
	}
	return tree
}

// holdsDocument reports whether t is, or contains, a document.Interface.
// It walks the type each time: an action asks once, and only the inputs
// that hold a document ask again, member by member, as they are decoded.
func holdsDocument(t reflect.Type) bool {
	return searchDocument(t, map[reflect.Type]bool{})
}

func searchDocument(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == documentType {
		return true
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return searchDocument(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && searchDocument(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

package cognito

import (
	"reflect"
	"time"

	"github.com/aws/smithy-go/middleware"
)

var (
	timeType     = reflect.TypeFor[time.Time]()
	metadataType = reflect.TypeFor[middleware.Metadata]()
)

// Document turns an SDK value (an output struct, or any type within one) into
// a JSON-shaped tree of map[string]any, []any and scalars, with Cognito's
// member names.
//
// Unset members are left out rather than written as null: nil pointers, nil
// slices and maps, and empty enum strings (the SDK models enums as
// non-pointer strings). Times become RFC 3339 strings. SDK plumbing such as
// ResultMetadata is dropped.
func Document(v any) any {
	out, _ := document(reflect.ValueOf(v))
	return out
}

// document returns the value and whether it is set.
func document(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Invalid:
		return nil, false
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return document(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).UTC().Format(time.RFC3339), true
		}
		return structDocument(v), true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		list := make([]any, 0, v.Len())
		for i := range v.Len() {
			if item, ok := document(v.Index(i)); ok {
				list = append(list, item)
			}
		}
		return list, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		m := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			if item, ok := document(iter.Value()); ok {
				m[iter.Key().String()] = item
			}
		}
		return m, true
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return nil, false
}

func structDocument(v reflect.Value) map[string]any {
	t := v.Type()
	m := make(map[string]any, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Type == metadataType {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.String && fv.Len() == 0 {
			continue // an enum Cognito did not return
		}
		if item, ok := document(fv); ok {
			m[f.Name] = item
		}
	}
	return m
}

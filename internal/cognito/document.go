package cognito

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
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
// ResultMetadata is dropped. A free-form document keeps its numbers as
// Cognito wrote them (json.Number), and a blob is base64, as Cognito sends
// it (freeform.go).
func Document(v any) any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil
	}
	p := planOf(rv.Type())
	if !p.set(rv) {
		return nil
	}
	return p.doc(rv)
}

// Filter picks the members of a struct that AppendJSON writes: those in
// Only (all, if Only is empty), less those in Omit.
type Filter struct {
	Only, Omit []string
}

// Keeps reports whether f picks the member name.
func (f Filter) Keeps(name string) bool {
	return (len(f.Only) == 0 || slices.Contains(f.Only, name)) && !slices.Contains(f.Omit, name)
}

// WithoutKeys returns v, an SDK struct or a pointer to one, with the keys
// of its map member left out. The secrets of an identity provider's
// ProviderDetails sit among its ordinary settings, so a member filter
// cannot drop them; v itself, and its map, are left as they were, since
// a PATCH merges into the whole resource, secrets included.
func WithoutKeys(v any, member string, keys []string) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return v
	}
	field := rv.Elem().FieldByName(member)
	if field.Kind() != reflect.Map || field.IsNil() {
		return v
	}
	kept := reflect.MakeMapWithSize(field.Type(), field.Len())
	for it := field.MapRange(); it.Next(); {
		if !slices.Contains(keys, it.Key().String()) {
			kept.SetMapIndex(it.Key(), it.Value())
		}
	}
	copied := reflect.New(rv.Elem().Type())
	copied.Elem().Set(rv.Elem())
	copied.Elem().FieldByName(member).Set(kept)
	return copied.Interface()
}

// AppendJSON appends Document(v) as encoding/json writes that tree, byte for
// byte (members sorted by name), without building it: building the tree and
// encoding it took longer than the SDK call it came from. When v is a
// struct, or points at one, f picks its members.
func AppendJSON(dst []byte, v any, f Filter, escapeHTML bool) ([]byte, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	p := planOf(rv.Type())
	if rv.Kind() == reflect.Struct && p.fields != nil && (len(f.Only) > 0 || len(f.Omit) > 0) {
		return p.appendStruct(dst, rv, escapeHTML, f.Keeps, nil)
	}
	if !p.set(rv) {
		return append(dst, "null"...), nil
	}
	return p.encode(dst, rv, escapeHTML)
}

// AppendMembers is AppendJSON for a struct (or a pointer to one) that also
// reports each member it writes: its name, and where the member, "name":
// value, starts and ends in the result. A caller can then cut members out
// of the encoding instead of encoding again.
func AppendMembers(dst []byte, v any, f Filter, escapeHTML bool, member func(name string, start, end int)) ([]byte, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	p := planOf(rv.Type())
	if rv.Kind() != reflect.Struct || p.fields == nil {
		return nil, fmt.Errorf("AppendMembers of a %s", rv.Type())
	}
	return p.appendStruct(dst, rv, escapeHTML, f.Keeps, member)
}

// AppendList appends Document(list), a slice of SDK values, keeping only
// the items keep accepts; a nil keep keeps them all, and spares boxing each
// item to ask. Of items that are structs, only the members that members
// picks are written: a list can hold what it must never show, as a client
// secret's value.
func AppendList(dst []byte, list any, keep func(item any) bool, members Filter, escapeHTML bool) ([]byte, error) {
	rv := reflect.ValueOf(list)
	if rv.Kind() != reflect.Slice {
		return append(dst, "[]"...), nil
	}
	p := planOf(rv.Type().Elem())
	filtered := (len(members.Only) > 0 || len(members.Omit) > 0) && rv.Type().Elem().Kind() == reflect.Struct
	dst = append(dst, '[')
	first := true
	for i := range rv.Len() {
		item := rv.Index(i)
		if !p.set(item) || keep != nil && !keep(item.Interface()) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		var err error
		if filtered {
			dst, err = p.appendStruct(dst, item, escapeHTML, members.Keeps, nil)
		} else {
			dst, err = p.encode(dst, item, escapeHTML)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// Member returns the member of v (a struct, or a pointer to one) named
// name, and whether Document would hold it.
func Member(v any, name string) (any, bool) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, false
	}
	for _, f := range planOf(rv.Type()).fields {
		if f.name != name {
			continue
		}
		fv := rv.Field(f.index)
		if (f.isString && fv.Len() == 0) || !f.plan.set(fv) {
			return nil, false
		}
		return fv.Interface(), true
	}
	return nil, false
}

// StringMember returns the member of v named name when Document would hold
// it as a string.
func StringMember(v any, name string) (string, bool) {
	m, ok := Member(v, name)
	if !ok {
		return "", false
	}
	// A free-form document (freeform.go) may be a bare JSON string.
	if reflect.TypeOf(m).Implements(marshalerType) {
		tree, _ := documentTree(reflect.ValueOf(m))
		s, isString := tree.(string)
		return s, isString
	}
	rv := reflect.ValueOf(m)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	switch {
	case rv.Kind() == reflect.String:
		return rv.String(), true
	case rv.Type() == timeType:
		return rv.Interface().(time.Time).UTC().Format(time.RFC3339), true
	}
	return "", false
}

// IsObject reports whether Document(v) is a JSON object: v is a struct, or
// points at one, and not a time.
func IsObject(v any) bool {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	return rv.Kind() == reflect.Struct && rv.Type() != timeType
}

// plan is how Document treats one type, worked out once per type.
type plan struct {
	// set reports whether Document holds the value (document's ok).
	set func(v reflect.Value) bool
	// encode appends the JSON of a value that is set.
	encode func(dst []byte, v reflect.Value, escapeHTML bool) ([]byte, error)
	// doc is the document of a value that is set.
	doc func(v reflect.Value) any
	// fields are a struct's members, sorted by name.
	fields []field
}

type field struct {
	name     string
	key      []byte // "name":
	index    int
	isString bool // an empty string is an enum Cognito did not return
	plan     *plan
}

var (
	plans    sync.Map // reflect.Type -> *plan, complete
	planning sync.Mutex
)

func planOf(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	planning.Lock()
	defer planning.Unlock()
	made := map[reflect.Type]*plan{}
	p := makePlan(t, made)
	// Published only now that every plan, recursive ones included, is whole.
	for t, p := range made {
		plans.Store(t, p)
	}
	return p
}

func always(reflect.Value) bool { return true }
func never(reflect.Value) bool  { return false }

func makePlan(t reflect.Type, made map[reflect.Type]*plan) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	if p, ok := made[t]; ok {
		return p
	}
	p := &plan{set: never}
	made[t] = p
	switch {
	case t.Kind() != reflect.Interface && t.Implements(marshalerType):
		documentPlan(p) // in freeform.go, as blobs are
		return p
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		blobPlan(p)
		return p
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := makePlan(t.Elem(), made)
		p.set = func(v reflect.Value) bool { return !v.IsNil() && elem.set(v.Elem()) }
		p.encode = func(dst []byte, v reflect.Value, escapeHTML bool) ([]byte, error) {
			return elem.encode(dst, v.Elem(), escapeHTML)
		}
		p.doc = func(v reflect.Value) any { return elem.doc(v.Elem()) }
	case reflect.Interface:
		p.set = func(v reflect.Value) bool { return !v.IsNil() && planOf(v.Elem().Type()).set(v.Elem()) }
		p.encode = func(dst []byte, v reflect.Value, escapeHTML bool) ([]byte, error) {
			return planOf(v.Elem().Type()).encode(dst, v.Elem(), escapeHTML)
		}
		p.doc = func(v reflect.Value) any { return planOf(v.Elem().Type()).doc(v.Elem()) }
	case reflect.Struct:
		p.set = always
		if t == timeType {
			p.encode = func(dst []byte, v reflect.Value, _ bool) ([]byte, error) {
				dst = append(dst, '"')
				t, _ := reflect.TypeAssert[time.Time](v) // unlike Interface, no allocation
				dst = t.UTC().AppendFormat(dst, time.RFC3339)
				return append(dst, '"'), nil
			}
			p.doc = func(v reflect.Value) any { return v.Interface().(time.Time).UTC().Format(time.RFC3339) }
			break
		}
		p.fields = []field{}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Type == metadataType {
				continue
			}
			key := canonjson.AppendString(nil, f.Name, true)
			p.fields = append(p.fields, field{name: f.Name, key: append(key, ':'), index: i,
				isString: f.Type.Kind() == reflect.String, plan: makePlan(f.Type, made)})
		}
		slices.SortFunc(p.fields, func(a, b field) int { return strings.Compare(a.name, b.name) })
		p.encode = func(dst []byte, v reflect.Value, escapeHTML bool) ([]byte, error) {
			return p.appendStruct(dst, v, escapeHTML, nil, nil)
		}
		p.doc = func(v reflect.Value) any {
			m := make(map[string]any, len(p.fields))
			for i := range p.fields {
				f := &p.fields[i]
				fv := v.Field(f.index)
				if (f.isString && fv.Len() == 0) || !f.plan.set(fv) {
					continue // an enum Cognito did not return, or unset
				}
				m[f.name] = f.plan.doc(fv)
			}
			return m
		}
	case reflect.Slice:
		elem := makePlan(t.Elem(), made)
		p.set = func(v reflect.Value) bool { return !v.IsNil() }
		p.encode = func(dst []byte, v reflect.Value, escapeHTML bool) ([]byte, error) {
			dst = append(dst, '[')
			first := true
			for i := range v.Len() {
				item := v.Index(i)
				if !elem.set(item) {
					continue
				}
				if !first {
					dst = append(dst, ',')
				}
				first = false
				var err error
				if dst, err = elem.encode(dst, item, escapeHTML); err != nil {
					return dst, err
				}
			}
			return append(dst, ']'), nil
		}
		p.doc = func(v reflect.Value) any {
			list := make([]any, 0, v.Len())
			for i := range v.Len() {
				if item := v.Index(i); elem.set(item) {
					list = append(list, elem.doc(item))
				}
			}
			return list
		}
	case reflect.Map:
		elem := makePlan(t.Elem(), made)
		p.set = func(v reflect.Value) bool { return !v.IsNil() }
		p.encode = func(dst []byte, v reflect.Value, escapeHTML bool) ([]byte, error) {
			type entry struct {
				key   string
				value reflect.Value
			}
			entries := make([]entry, 0, v.Len())
			iter := v.MapRange()
			for iter.Next() {
				if value := iter.Value(); elem.set(value) {
					entries = append(entries, entry{iter.Key().String(), value})
				}
			}
			slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
			dst = append(dst, '{')
			for i, e := range entries {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = canonjson.AppendString(dst, e.key, escapeHTML)
				dst = append(dst, ':')
				var err error
				if dst, err = elem.encode(dst, e.value, escapeHTML); err != nil {
					return dst, err
				}
			}
			return append(dst, '}'), nil
		}
		p.doc = func(v reflect.Value) any {
			m := make(map[string]any, v.Len())
			iter := v.MapRange()
			for iter.Next() {
				if value := iter.Value(); elem.set(value) {
					m[iter.Key().String()] = elem.doc(value)
				}
			}
			return m
		}
	case reflect.String:
		p.set = always
		p.encode = func(dst []byte, v reflect.Value, escapeHTML bool) ([]byte, error) {
			return canonjson.AppendString(dst, v.String(), escapeHTML), nil
		}
		p.doc = func(v reflect.Value) any { return v.String() }
	case reflect.Bool:
		p.set = always
		p.encode = func(dst []byte, v reflect.Value, _ bool) ([]byte, error) {
			return strconv.AppendBool(dst, v.Bool()), nil
		}
		p.doc = func(v reflect.Value) any { return v.Bool() }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.set = always
		p.encode = func(dst []byte, v reflect.Value, _ bool) ([]byte, error) {
			return strconv.AppendInt(dst, v.Int(), 10), nil
		}
		p.doc = func(v reflect.Value) any { return v.Int() }
	case reflect.Float32, reflect.Float64:
		p.set = always
		p.encode = func(dst []byte, v reflect.Value, _ bool) ([]byte, error) {
			f := v.Float()
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return dst, fmt.Errorf("json: unsupported value: %v", f)
			}
			return canonjson.AppendFloat(dst, f), nil
		}
		p.doc = func(v reflect.Value) any { return v.Float() }
	}
	return p
}

// appendStruct writes the members Document would hold, those keep accepts
// if keep is not nil, and reports each to member if it is not nil.
func (p *plan) appendStruct(dst []byte, v reflect.Value, escapeHTML bool, keep func(string) bool, member func(string, int, int)) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	for i := range p.fields {
		f := &p.fields[i]
		fv := v.Field(f.index)
		if (f.isString && fv.Len() == 0) || !f.plan.set(fv) || (keep != nil && !keep(f.name)) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		start := len(dst)
		dst = append(dst, f.key...)
		var err error
		if dst, err = f.plan.encode(dst, fv, escapeHTML); err != nil {
			return dst, err
		}
		if member != nil {
			member(f.name, start, len(dst))
		}
	}
	return append(dst, '}'), nil
}

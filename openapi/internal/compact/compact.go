// Package compact stores an OpenAPI document, as kin-openapi's loader
// leaves it ($refs resolved), in a compact binary form, and builds it back
// without parsing anything.
//
// Loading openapi.yaml took 34 ms of every cold start, most of it YAML
// parsing and $ref resolution; kin-openapi's JSON unmarshalling is not much
// faster. Go code that builds the document is fast but adds megabytes to
// the binary. Decoding this form takes a fraction of a millisecond and adds
// the size of the form.
//
// The form follows kin-openapi's Go types, field by field: it is written and
// read with the same kin-openapi version, and a test regenerates it. Every
// struct that more than one place points at (each $ref'd component) is
// written once and decoded once, so the document keeps the loader's sharing.
//
// Layout: the number of shared structs, then their offsets from the start
// of the body, each a 4-byte little-endian number, so that one is read
// without reading the others; then the body: the root *openapi3.T, then
// each shared struct. A value is written by its static type:
//
//	string       length, bytes        bool    0 or 1
//	int          zig-zag varint       uint    varint
//	float        8 bytes, little end  slice   0 for nil, else length+1, items
//	map          as a slice of pairs  any     a kind byte, then the value
//	struct       (field index+1, value)..., then 0, exported fields only
//	*struct      0 nil, 1 inline, 2+k shared struct k
//	Paths, Responses, Callback: their entries as a map, then Extensions
//	Operation    always shared, and its OperationID before it
//	PathItem     always shared
//	Components   always shared
//
// DecodeLazily builds the document but for its shared structs: every path
// item, operation, $ref'd component and the Components struct that holds
// them are left empty until Complete is given a value that leads to them.
// Open decodes nothing: Shared hands out a shared struct by its number,
// which EncodeShared tells, for a reader that knows where to start, such
// as the index of package outline.
// A request then costs the decoding of its own operation, and a cold start
// the decoding of the rest: paths, servers and the like. Fill decodes one
// shared struct alone, for a reader that needs only part of what it leads
// to, such as an operation without the schemas of its answers.
package compact

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Kinds of the dynamic values held in fields of type any, such as
// Extensions, Example, Default and Enum.
const (
	anyNil byte = iota
	anyString
	anyFloat
	anyFalse
	anyTrue
	anyList
	anyObject
)

const (
	ptrNil = iota
	ptrInline
	ptrShared
)

var (
	operationType  = reflect.TypeFor[openapi3.Operation]()
	pathItemType   = reflect.TypeFor[openapi3.PathItem]()
	componentsType = reflect.TypeFor[openapi3.Components]()
	pathsType      = reflect.TypeFor[openapi3.Paths]()
	responsesType  = reflect.TypeFor[openapi3.Responses]()
	callbackType   = reflect.TypeFor[openapi3.Callback]()
)

// mapLike reports whether t is one of kin-openapi's types that keep their
// entries in an unexported map, behind Map and Set.
func mapLike(t reflect.Type) bool {
	return t == pathsType || t == responsesType || t == callbackType
}

// Parse loads an OpenAPI document from YAML (or JSON) with kin-openapi's
// loader: $refs resolved, not validated.
func Parse(data []byte) (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromData(data)
}

// Generate is Encode(Parse(data)): the compact form of a YAML document.
func Generate(data []byte) ([]byte, error) {
	doc, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return Encode(doc)
}

// Encode writes doc in the compact form.
func Encode(doc *openapi3.T) ([]byte, error) {
	data, _, err := EncodeShared(doc)
	return data, err
}

// EncodeShared is Encode, and the number of each shared struct of doc
// (a *openapi3.Operation or *openapi3.PathItem of it, say), which Shared
// takes.
func EncodeShared(doc *openapi3.T) (data []byte, number func(shared any) (int, bool), err error) {
	e := &encoder{uses: map[address]int{}, index: map[address]int{}}
	e.count(reflect.ValueOf(doc))
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("compact: %v", r)
			}
		}()
		e.value(reflect.ValueOf(doc).Elem())
		// Writing a shared struct can meet further shared structs.
		for i := 0; i < len(e.shared); i++ {
			e.offsets = append(e.offsets, len(e.body))
			e.pointee(e.shared[i])
		}
	}()
	if err != nil {
		return nil, nil, err
	}
	if len(e.body) > math.MaxUint32 {
		return nil, nil, fmt.Errorf("compact: a body of %d bytes is more than an offset holds", len(e.body))
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(e.offsets)))
	for _, off := range e.offsets {
		out = binary.LittleEndian.AppendUint32(out, uint32(off))
	}
	number = func(shared any) (int, bool) {
		v := reflect.ValueOf(shared)
		if v.Kind() != reflect.Pointer || v.IsNil() {
			return 0, false
		}
		k, ok := e.index[addressOf(v)]
		return k, ok
	}
	return append(out, e.body...), number, nil
}

// address identifies a struct. A struct and its first field have the same
// address: an openapi3.Header starts with its Parameter.
type address struct {
	pointer uintptr
	typ     reflect.Type
}

func addressOf(v reflect.Value) address { return address{v.Pointer(), v.Type()} }

type encoder struct {
	uses    map[address]int // how many places point at each struct
	index   map[address]int // the shared number of each struct written so far
	shared  []reflect.Value
	offsets []int
	body    []byte
}

// count records how many places point at each struct, walking each once.
func (e *encoder) count(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Elem().Kind() == reflect.Struct {
			e.uses[addressOf(v)]++
			if e.uses[addressOf(v)] > 1 {
				return
			}
		}
		if mapLike(v.Type().Elem()) {
			e.count(v.MethodByName("Map").Call(nil)[0])
			e.count(v.Elem().FieldByName("Extensions"))
			return
		}
		e.count(v.Elem())
	case reflect.Interface:
		if !v.IsNil() {
			e.count(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				e.count(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			e.count(v.Index(i))
		}
	case reflect.Map:
		for _, k := range sortedKeys(v) {
			e.count(v.MapIndex(k))
		}
	}
}

func (e *encoder) uvarint(n uint64) { e.body = binary.AppendUvarint(e.body, n) }

func (e *encoder) value(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		e.uvarint(uint64(v.Len()))
		e.body = append(e.body, v.String()...)
	case reflect.Bool:
		if v.Bool() {
			e.body = append(e.body, 1)
		} else {
			e.body = append(e.body, 0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.body = binary.AppendVarint(e.body, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.uvarint(v.Uint())
	case reflect.Float32, reflect.Float64:
		e.body = binary.LittleEndian.AppendUint64(e.body, math.Float64bits(v.Float()))
	case reflect.Slice:
		if v.IsNil() {
			e.uvarint(0)
			return
		}
		e.uvarint(uint64(v.Len()) + 1)
		for i := range v.Len() {
			e.value(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			e.uvarint(0)
			return
		}
		e.uvarint(uint64(v.Len()) + 1)
		for _, k := range sortedKeys(v) {
			e.value(k)
			e.value(v.MapIndex(k))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && !v.Field(i).IsZero() {
				e.uvarint(uint64(i) + 1)
				e.value(v.Field(i))
			}
		}
		e.uvarint(0)
	case reflect.Pointer:
		e.pointer(v)
	case reflect.Interface:
		e.dynamic(v)
	default:
		panic(fmt.Sprintf("cannot write a %s", v.Type()))
	}
}

func (e *encoder) pointer(v reflect.Value) {
	if v.IsNil() {
		e.uvarint(ptrNil)
		return
	}
	// Operations and path items are always shared, so that each can be
	// decoded alone, by its number, and so are the components, which a request reaches through its operation's
	// resolved $refs, never through the map: a lazy decoder leaves them all
	// out until the whole document is asked for.
	if v.Elem().Kind() == reflect.Struct && (e.uses[addressOf(v)] > 1 || alwaysShared(v.Type().Elem())) {
		k, ok := e.index[addressOf(v)]
		if !ok {
			k = len(e.shared)
			e.index[addressOf(v)] = k
			e.shared = append(e.shared, v)
		}
		e.uvarint(ptrShared + uint64(k))
		return
	}
	e.uvarint(ptrInline)
	e.pointee(v)
}

func alwaysShared(t reflect.Type) bool {
	return t == operationType || t == pathItemType || t == componentsType
}

// pointee writes what v points at. An operation starts with its id, which
// a lazy decoder reads without the rest.
func (e *encoder) pointee(v reflect.Value) {
	if v.Type().Elem() == operationType {
		e.value(v.Elem().FieldByName("OperationID"))
	}
	if mapLike(v.Type().Elem()) {
		e.value(v.MethodByName("Map").Call(nil)[0])
		e.value(v.Elem().FieldByName("Extensions"))
		return
	}
	e.value(v.Elem())
}

func (e *encoder) dynamic(v reflect.Value) {
	if v.IsNil() {
		e.body = append(e.body, anyNil)
		return
	}
	switch x := v.Elem().Interface().(type) {
	case string:
		e.body = append(e.body, anyString)
		e.value(v.Elem())
	case float64:
		e.body = append(e.body, anyFloat)
		e.value(v.Elem())
	case bool:
		if x {
			e.body = append(e.body, anyTrue)
		} else {
			e.body = append(e.body, anyFalse)
		}
	case []any:
		e.body = append(e.body, anyList)
		e.value(v.Elem())
	case map[string]any:
		e.body = append(e.body, anyObject)
		e.value(v.Elem())
	default:
		panic(fmt.Sprintf("cannot write a %T in a field of type any", x))
	}
}

func sortedKeys(m reflect.Value) []reflect.Value {
	keys := m.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	return keys
}

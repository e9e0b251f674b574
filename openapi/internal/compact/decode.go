package compact

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Decode builds the document data holds. Strings in the document share
// data's memory, so data must not change afterwards (an embedded string
// never does).
func Decode(data string) (*openapi3.T, error) {
	doc, _, err := decode(data, false)
	return doc, err
}

// DecodeLazily builds the document data holds but for its shared structs,
// each operation and $ref'd component, which stay empty (but for an
// operation's OperationID) until Complete is given a value that leads to
// them.
func DecodeLazily(data string) (*openapi3.T, *Lazy, error) {
	doc, d, err := decode(data, true)
	if err != nil {
		return nil, nil, err
	}
	return doc, &Lazy{d: d}, nil
}

func decode(data string, lazy bool) (doc *openapi3.T, d *decoder, err error) {
	d = &decoder{data: data, lazy: lazy}
	defer func() {
		if r := recover(); r != nil {
			doc, d, err = nil, nil, fmt.Errorf("compact: malformed document: %v", r)
		}
	}()
	count := d.uvarint()
	d.offsets = make([]int, count)
	for i := range d.offsets {
		d.offsets[i] = int(d.uvarint())
	}
	d.data = d.data[d.pos:]
	d.pos = 0
	d.shared = make([]reflect.Value, count)
	d.filled = make([]bool, count)
	d.index = map[address]int{}
	d.partial = map[int]bool{}
	doc = new(openapi3.T)
	d.value(reflect.ValueOf(doc).Elem())
	d.lazy = false // from now on, whatever is decoded is decoded whole, but by Fill
	return doc, d, nil
}

// Lazy completes a lazily decoded document. It is safe for concurrent use.
type Lazy struct {
	mu sync.Mutex
	d  *decoder
}

// Complete decodes every part of the document that v (a part of it, such
// as an operation, a map of components or the document itself) leads to
// and that is not decoded yet. Once it returns, all of v can be read.
func (l *Lazy) Complete(v any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.d.complete(reflect.ValueOf(v), map[address]bool{})
}

// Fill decodes v, a pointer to a shared struct still empty, but none of
// the shared structs it leads to: those stay empty until Complete or Fill
// is given them. Given anything else, Fill does nothing. Once it returns,
// v's own fields can be read.
func (l *Lazy) Fill(v any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := reflect.ValueOf(v)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return
	}
	if k, ok := l.d.index[addressOf(p)]; ok && !l.d.filled[k] {
		l.d.lazy = true
		l.d.fill(k)
		l.d.lazy = false
		l.d.partial[k] = true
	}
}

// complete decodes whatever v leads to that is still empty. It walks v
// down to the shared structs: one still empty it decodes whole, one
// decoded whole it leaves, and one Fill decoded alone it walks on into.
func (d *decoder) complete(v reflect.Value, seen map[address]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || v.Elem().Kind() != reflect.Struct || seen[addressOf(v)] {
			return
		}
		seen[addressOf(v)] = true
		if k, ok := d.index[addressOf(v)]; ok {
			if !d.filled[k] {
				d.fill(k) // whole, all it leads to included
				return
			}
			if !d.partial[k] {
				return
			}
			delete(d.partial, k)
		}
		if mapLike(v.Type().Elem()) {
			d.complete(v.MethodByName("Map").Call(nil)[0], seen)
			return
		}
		d.complete(v.Elem(), seen)
	case reflect.Interface:
		if !v.IsNil() {
			d.complete(v.Elem(), seen)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				d.complete(v.Field(i), seen)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			d.complete(v.Index(i), seen)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			d.complete(iter.Value(), seen)
		}
	}
}

var errTruncated = errors.New("truncated")

type decoder struct {
	data    string
	pos     int
	offsets []int
	shared  []reflect.Value // each shared struct's pointer, once made
	filled  []bool          // whether each shared struct is decoded
	index   map[address]int // each shared struct made, by its pointer
	// lazy leaves the shared structs met empty. Fill decodes a struct so,
	// and notes it as partial until Complete walks it.
	lazy    bool
	partial map[int]bool
}

// fill decodes shared struct k into the pointer made for it.
func (d *decoder) fill(k int) {
	d.filled[k] = true
	back := d.pos
	d.pos = d.offsets[k]
	d.pointee(d.shared[k])
	d.pos = back
}

func (d *decoder) uvarint() uint64 {
	var n uint64
	for shift := 0; ; shift += 7 {
		if d.pos >= len(d.data) {
			panic(errTruncated)
		}
		b := d.data[d.pos]
		d.pos++
		n |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return n
		}
	}
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	n := int64(u >> 1)
	if u&1 != 0 {
		n = ^n
	}
	return n
}

func (d *decoder) byte() byte {
	b := d.data[d.pos]
	d.pos++
	return b
}

func (d *decoder) string() string {
	n := int(d.uvarint())
	s := d.data[d.pos : d.pos+n]
	d.pos += n
	return s
}

func (d *decoder) float() float64 {
	var bits uint64
	for i := 7; i >= 0; i-- {
		bits = bits<<8 | uint64(d.data[d.pos+i])
	}
	d.pos += 8
	return math.Float64frombits(bits)
}

// value decodes into v, a settable value of the type the form was written
// from.
func (d *decoder) value(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(d.string())
	case reflect.Bool:
		v.SetBool(d.byte() == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(d.varint())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(d.uvarint())
	case reflect.Float32, reflect.Float64:
		v.SetFloat(d.float())
	case reflect.Slice:
		n := int(d.uvarint())
		if n == 0 {
			return
		}
		s := reflect.MakeSlice(v.Type(), n-1, n-1)
		for i := range n - 1 {
			d.value(s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		n := int(d.uvarint())
		if n == 0 {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), n-1)
		key := reflect.New(v.Type().Key()).Elem()
		for range n - 1 {
			d.value(key)
			elem := reflect.New(v.Type().Elem()).Elem()
			d.value(elem)
			m.SetMapIndex(key, elem)
		}
		v.Set(m)
	case reflect.Struct:
		for {
			field := int(d.uvarint())
			if field == 0 {
				return
			}
			d.value(v.Field(field - 1))
		}
	case reflect.Pointer:
		d.pointer(v)
	case reflect.Interface:
		if x := d.dynamic(); x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		panic(fmt.Sprintf("cannot read a %s", v.Type()))
	}
}

func (d *decoder) pointer(v reflect.Value) {
	tag := d.uvarint()
	switch {
	case tag == ptrNil:
		return
	case tag >= ptrShared:
		k := int(tag - ptrShared)
		if !d.shared[k].IsValid() {
			// Made before it is decoded, so that cycles resolve.
			d.shared[k] = reflect.New(v.Type().Elem())
			d.index[addressOf(d.shared[k])] = k
			if d.lazy {
				if op, ok := d.shared[k].Interface().(*openapi3.Operation); ok {
					back := d.pos
					d.pos = d.offsets[k]
					op.OperationID = d.string()
					d.pos = back
				}
			}
		}
		switch {
		case d.lazy:
		case !d.filled[k]:
			d.fill(k)
		case d.partial[k]:
			// Fill decoded it alone; what it leads to is decoded now.
			d.complete(d.shared[k], map[address]bool{})
		}
		v.Set(d.shared[k])
		return
	}
	p := reflect.New(v.Type().Elem())
	d.pointee(p)
	v.Set(p)
}

// pointee decodes what p points at.
func (d *decoder) pointee(p reflect.Value) {
	if p.Type().Elem() == operationType {
		_ = d.string() // the OperationID, which the struct holds too
	}
	if mapLike(p.Type().Elem()) {
		d.mapLike(p)
		return
	}
	d.value(p.Elem())
}

// mapLike fills a new Paths, Responses or Callback through its Set method.
func (d *decoder) mapLike(p reflect.Value) {
	entries := reflect.New(p.MethodByName("Map").Type().Out(0)).Elem()
	d.value(entries)
	switch m := p.Interface().(type) {
	case *openapi3.Paths:
		*m = *openapi3.NewPathsWithCapacity(entries.Len())
		for k, v := range entries.Interface().(map[string]*openapi3.PathItem) {
			m.Set(k, v)
		}
	case *openapi3.Responses:
		*m = *openapi3.NewResponsesWithCapacity(entries.Len())
		for k, v := range entries.Interface().(map[string]*openapi3.ResponseRef) {
			m.Set(k, v)
		}
	case *openapi3.Callback:
		*m = *openapi3.NewCallbackWithCapacity(entries.Len())
		for k, v := range entries.Interface().(map[string]*openapi3.PathItem) {
			m.Set(k, v)
		}
	}
	d.value(p.Elem().FieldByName("Extensions"))
}

func (d *decoder) dynamic() any {
	switch kind := d.byte(); kind {
	case anyNil:
		return nil
	case anyString:
		return d.string()
	case anyFloat:
		return d.float()
	case anyFalse:
		return false
	case anyTrue:
		return true
	case anyList:
		var list []any
		d.value(reflect.ValueOf(&list).Elem())
		return list
	case anyObject:
		var object map[string]any
		d.value(reflect.ValueOf(&object).Elem())
		return object
	default:
		panic(fmt.Sprintf("unknown kind %d of a value of type any", kind))
	}
}

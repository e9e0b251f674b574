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
	l, err := Open(data)
	if err != nil {
		return nil, err
	}
	return l.Document()
}

// DecodeLazily builds the document data holds but for its shared structs,
// each path item, operation and $ref'd component, which stay empty (but
// for an operation's OperationID) until Complete is given a value that
// leads to them.
func DecodeLazily(data string) (*openapi3.T, *Lazy, error) {
	l, err := Open(data)
	if err != nil {
		return nil, nil, err
	}
	doc := new(openapi3.T)
	if err := l.d.run(func() { l.d.root(doc, true) }); err != nil {
		return nil, nil, err
	}
	return doc, l, nil
}

// Open reads data's header and decodes nothing: Shared, Fill, Complete and
// Document decode what they are asked for. Opening costs the same however
// large the document.
func Open(data string) (*Lazy, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("compact: malformed document: %w", errTruncated)
	}
	count := int(uint32At(data, 0))
	if count > (len(data)-4)/4 {
		return nil, fmt.Errorf("compact: malformed document: %d shared structs in %d bytes", count, len(data))
	}
	body := 4 + 4*count
	return &Lazy{d: &decoder{header: data[4:body], count: count, data: data[body:]}}, nil
}

// Lazy completes a lazily decoded document. It is safe for concurrent use.
type Lazy struct {
	mu  sync.Mutex
	d   *decoder
	doc *openapi3.T // the root, once Document decoded it
}

// Shared is shared struct k, of type T, as EncodeShared numbered it: made
// if it was not, empty but for an operation's OperationID until Fill or
// Complete is given it. It panics if k is no shared struct of type T.
func Shared[T any](l *Lazy, k int) *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k < 0 || k >= l.d.count {
		panic(fmt.Sprintf("compact: no shared struct %d of %d", k, l.d.count))
	}
	p := l.d.shared(k, reflect.TypeFor[T]())
	return p.Interface().(*T)
}

// Document is the whole document, decoded once: what is not decoded yet
// is decoded now, and what is, is shared with it.
func (l *Lazy) Document() (*openapi3.T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.doc != nil {
		return l.doc, nil
	}
	doc := new(openapi3.T)
	if err := l.d.run(func() { l.d.root(doc, false) }); err != nil {
		return nil, err
	}
	l.doc = doc
	return doc, nil
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
	header string // the offsets of the shared structs
	count  int
	data   string // the body
	pos    int
	made   map[int]reflect.Value // each shared struct's pointer, once made
	filled map[int]bool          // whether each shared struct is decoded
	index  map[address]int       // each shared struct made, by its pointer
	// lazy leaves the shared structs met empty. Fill decodes a struct so,
	// and notes it as partial until Complete walks it.
	lazy    bool
	partial map[int]bool
}

// run runs decode, and turns a malformed document's panic into an error.
func (d *decoder) run(decode func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("compact: malformed document: %v", r)
		}
	}()
	d.pos = 0
	decode()
	return nil
}

// root decodes the root, at the start of the body, into doc; lazily, it
// leaves the shared structs it meets empty.
func (d *decoder) root(doc *openapi3.T, lazy bool) {
	d.lazy = lazy
	defer func() { d.lazy = false }()
	d.value(reflect.ValueOf(doc).Elem())
}

// offset is where shared struct k starts in the body.
func (d *decoder) offset(k int) int {
	return int(uint32At(d.header, 4*k))
}

// uint32At is the little-endian number at data[at:at+4], read without
// copying data.
func uint32At(data string, at int) uint32 {
	_ = data[at+3]
	return uint32(data[at]) | uint32(data[at+1])<<8 | uint32(data[at+2])<<16 | uint32(data[at+3])<<24
}

// shared is the pointer made for shared struct k, of type t, made now if
// it was not: before it is decoded, so that cycles resolve. Lazily, an
// operation gets its OperationID, which is written before it.
func (d *decoder) shared(k int, t reflect.Type) reflect.Value {
	if p, ok := d.made[k]; ok {
		if p.Type().Elem() != t {
			panic(fmt.Sprintf("shared struct %d is a %s, not a %s", k, p.Type().Elem(), t))
		}
		return p
	}
	if d.made == nil {
		// Made on first use, so that opening makes nothing.
		d.made, d.filled, d.index, d.partial = map[int]reflect.Value{}, map[int]bool{}, map[address]int{}, map[int]bool{}
	}
	p := reflect.New(t)
	d.made[k] = p
	d.index[addressOf(p)] = k
	if op, ok := p.Interface().(*openapi3.Operation); ok {
		back := d.pos
		d.pos = d.offset(k)
		op.OperationID = d.string()
		d.pos = back
	}
	return p
}

// fill decodes shared struct k into the pointer made for it.
func (d *decoder) fill(k int) {
	d.filled[k] = true
	back := d.pos
	d.pos = d.offset(k)
	d.pointee(d.made[k])
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
		if k >= d.count {
			panic(fmt.Sprintf("no shared struct %d of %d", k, d.count))
		}
		p := d.shared(k, v.Type().Elem())
		switch {
		case d.lazy && v.Type().Elem() == pathItemType && !d.filled[k]:
			// A path item is shared so that it can be decoded alone, by
			// its number; met lazily, it is decoded as it was when it was
			// written inline: its operations stay empty.
			d.fill(k)
			d.partial[k] = true
		case d.lazy:
		case !d.filled[k]:
			d.fill(k)
		case d.partial[k]:
			// Fill decoded it alone; what it leads to is decoded now.
			d.complete(p, map[address]bool{})
		}
		v.Set(p)
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

package outline

import (
	"fmt"
	"strings"
)

// Outline is an outline as Build wrote it, read where it lies.
type Outline struct {
	data string
	// counts of operations, templates, ends, parameters, nodes, edges,
	// then the sizes of the head and the strings.
	counts [headerWidth]int
	// where each table starts, then the head and the strings.
	starts [headerWidth]int
}

// Read opens data, which must not change afterwards (an embedded string
// never does). It checks the sizes only: the entries are read when asked
// for.
func Read(data string) (Outline, error) {
	o := Outline{data: data}
	if len(data) < 4*headerWidth {
		return Outline{}, fmt.Errorf("outline: %d bytes, fewer than its header", len(data))
	}
	widths := [...]int{operationWidth, templateWidth, endWidth, parameterWidth, nodeWidth, edgeWidth}
	at := 4 * headerWidth
	for i := range headerWidth {
		o.counts[i] = int(uint32At(data, 4*i))
		o.starts[i] = at
		if i < len(widths) {
			at += 4 * widths[i] * o.counts[i]
		} else {
			at += o.counts[i]
		}
	}
	if at != len(data) || o.counts[4] == 0 {
		return Outline{}, fmt.Errorf("outline: %d bytes, its header says %d", len(data), at)
	}
	return o, nil
}

// Table numbers, in the order of the header.
const (
	operations = iota
	templates
	ends
	parameters
	nodes
	edges
	head
	pool
)

// number is the field-th number of entry i of table.
func (o Outline) number(table, width, i, field int) uint32 {
	return uint32At(o.data, o.starts[table]+4*(width*i+field))
}

// uint32At is the little-endian number at data[at:at+4], read without
// copying data.
func uint32At(data string, at int) uint32 {
	_ = data[at+3]
	return uint32(data[at]) | uint32(data[at+1])<<8 | uint32(data[at+2])<<16 | uint32(data[at+3])<<24
}

// string is the string whose offset is the field-th number of entry i of
// table, and its length the next.
func (o Outline) string(table, width, i, field int) string {
	at := o.starts[pool] + int(o.number(table, width, i, field))
	return o.data[at : at+int(o.number(table, width, i, field+1))]
}

// Operations is the number of operations: an operation's number is its
// place among them, by operationId, from 0.
func (o Outline) Operations() int { return o.counts[operations] }

// Operation is operation i.
type Operation struct {
	ID, Method string
	Template   int
	// Number and PathItem are the numbers package compact gave the
	// operation and its path item, or None.
	Number, PathItem uint32
}

// Operation is operation i, 0 ≤ i < Operations().
func (o Outline) Operation(i int) Operation {
	return Operation{
		ID:       o.string(operations, operationWidth, i, 0),
		Method:   Methods[o.number(operations, operationWidth, i, 2)],
		Template: int(o.number(operations, operationWidth, i, 3)),
		Number:   o.number(operations, operationWidth, i, 4),
		PathItem: o.number(operations, operationWidth, i, 5),
	}
}

// Find is the number of the operation whose operationId is id.
func (o Outline) Find(id string) (int, bool) {
	low, high := 0, o.counts[operations]
	for low < high {
		mid := int(uint(low+high) >> 1)
		switch c := strings.Compare(o.string(operations, operationWidth, mid, 0), id); {
		case c == 0:
			return mid, true
		case c < 0:
			low = mid + 1
		default:
			high = mid
		}
	}
	return 0, false
}

// Templates is the number of path templates, each numbered by its place
// among them in order.
func (o Outline) Templates() int { return o.counts[templates] }

// Path is template t as the document's paths name it.
func (o Outline) Path(t int) string { return o.string(templates, templateWidth, t, 0) }

// TemplateOperation is the number of template t's operation for method,
// or false if it has none.
func (o Outline) TemplateOperation(t int, method string) (int, bool) {
	for m, name := range Methods {
		if name == method {
			i := o.number(templates, templateWidth, t, 2+m)
			return int(i), i != None
		}
	}
	return 0, false
}

// Head is the document's version, info, servers and security, in package
// compact's form.
func (o Outline) Head() string { return o.data[o.starts[head] : o.starts[head]+o.counts[head]] }

// Match is the template a request path matches, as sent (percent-encoded),
// with the {name}s of the template under the base path it matched: the
// literal branch of a node first, its {param} branch when the literal one
// leads to no template; a {param} matches one segment, never an empty one.
type Match struct {
	o        Outline
	end      int
	Template int
}

// Match finds the template path matches.
func (o Outline) Match(path string) (Match, bool) {
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		return Match{}, false
	}
	e := o.find(0, rest)
	if e == None {
		return Match{}, false
	}
	return Match{o: o, end: int(e), Template: int(o.number(ends, endWidth, int(e), 0))}, true
}

// find is the end that matches path, the segments under node n joined by
// '/', or None.
func (o Outline) find(n int, path string) uint32 {
	segment, rest, more := strings.Cut(path, "/")
	if next, ok := o.edge(n, segment); ok {
		if e := o.next(next, rest, more); e != None {
			return e
		}
	}
	param := o.number(nodes, nodeWidth, n, 0)
	if param == None || segment == "" {
		return None
	}
	return o.next(int(param), rest, more)
}

// next is the end at node n, when the path has no more segments, or else
// the one below n that matches the rest.
func (o Outline) next(n int, rest string, more bool) uint32 {
	if !more {
		return o.number(nodes, nodeWidth, n, 1)
	}
	return o.find(n, rest)
}

// edge is node n's literal child for segment.
func (o Outline) edge(n int, segment string) (int, bool) {
	low := int(o.number(nodes, nodeWidth, n, 2))
	high := low + int(o.number(nodes, nodeWidth, n, 3))
	for low < high {
		mid := int(uint(low+high) >> 1)
		switch c := strings.Compare(o.string(edges, edgeWidth, mid, 0), segment); {
		case c == 0:
			return int(o.number(edges, edgeWidth, mid, 2)), true
		case c < 0:
			low = mid + 1
		default:
			high = mid
		}
	}
	return 0, false
}

// Params is the number of {name}s of the template matched.
func (m Match) Params() int { return int(m.o.number(ends, endWidth, m.end, 2)) }

// Param is the i-th {name} of the template matched, and the index of its
// segment in the path matched.
func (m Match) Param(i int) (name string, segment int) {
	p := int(m.o.number(ends, endWidth, m.end, 1)) + i
	return m.o.string(parameters, parameterWidth, p, 1), int(m.o.number(parameters, parameterWidth, p, 0))
}

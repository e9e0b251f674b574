// Package outline stores what a server needs of an OpenAPI document before
// it serves anything, made from the document once, at `make generate`
// time: the index of its operations by operationId, the trie of its path
// templates under their servers' base paths, and the document's head
// (version, info, servers, security). It is read where it lies, in the
// embedded bytes: opening it decodes nothing, and a lookup reads the few
// entries it needs, so that a cold start costs the same however many
// operations the document has.
//
// It owns the matching rules the trie encodes (a literal segment before a
// {param}, the {param} tried when the literal branch leads to no template,
// a {param} never empty, the path matched as sent), not what a server does
// with a match. It does not own the operations themselves: for each it
// keeps the numbers package compact gave the operation and its path item,
// with which the rest is decoded when asked for.
//
// Layout: eight counts and sizes, then the tables, each a run of entries of
// 4-byte little-endian numbers, then the head (package compact's form),
// then the strings the tables name by offset and length:
//
//	operations  id, method, template, operation's number, path item's number (by id)
//	templates   path, then the operation of each of Methods (by path)
//	ends        template, first parameter, parameter count (one per template and base path)
//	parameters  segment index, name
//	nodes       {param} child, end, first edge, edge count (the root first)
//	edges       literal segment, child node (each node's by segment)
package outline

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/openapi/internal/compact"
)

// Methods are those an OpenAPI 3.0 path item has operations for, in the
// order kin-openapi's PathItem.Operations lists them.
var Methods = [...]string{http.MethodConnect, http.MethodDelete, http.MethodGet, http.MethodHead,
	http.MethodOptions, http.MethodPatch, http.MethodPost, http.MethodPut, http.MethodTrace}

// None stands for no entry: no {param} child, no end, no operation.
const None = math.MaxUint32

// Entry widths, in 4-byte numbers.
const (
	operationWidth = 6
	templateWidth  = 2 + len(Methods)
	endWidth       = 3
	parameterWidth = 3
	nodeWidth      = 4
	edgeWidth      = 3
	headerWidth    = 8
)

// Build writes doc's outline. number is the number package compact gave
// each operation and path item of doc (compact.EncodeShared), or nil when
// nothing will decode them by number. Build refuses what a segment trie
// cannot match as kin-openapi's gorillamux router would: a server with a
// host or a variable, a segment that is neither a literal nor one whole
// {name}, and two templates that match the same requests; and two
// operations with one operationId.
func Build(doc *openapi3.T, number func(any) (int, bool)) ([]byte, error) {
	b := &builder{strings: map[string][2]uint32{}}
	paths := slices.Sorted(maps.Keys(doc.Paths.Map()))
	type operation struct {
		id             string
		method         int
		template       int
		opNumber, item uint32
	}
	var operations []operation
	for t, path := range paths {
		item := doc.Paths.Value(path)
		for m, method := range Methods {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			operations = append(operations, operation{id: op.OperationID, method: m, template: t,
				opNumber: numberOf(number, op), item: numberOf(number, item)})
		}
	}
	slices.SortFunc(operations, func(a, b operation) int {
		return cmp.Or(strings.Compare(a.id, b.id), a.template-b.template, a.method-b.method)
	})
	for i := 1; i < len(operations); i++ {
		if operations[i].id == operations[i-1].id {
			return nil, fmt.Errorf("operationId %q names two operations, of %s and %s", operations[i].id,
				paths[operations[i-1].template], paths[operations[i].template])
		}
	}
	templates := make([][len(Methods)]uint32, len(paths))
	for t := range templates {
		for m := range Methods {
			templates[t][m] = None
		}
	}
	for i, op := range operations {
		templates[op.template][op.method] = uint32(i)
	}

	root := &node{end: -1}
	bases, err := basePaths(doc.Servers)
	if err != nil {
		return nil, err
	}
	var ends []end
	for t, path := range paths {
		item := doc.Paths.Value(path)
		itemBases := bases
		if len(item.Servers) > 0 {
			if itemBases, err = basePaths(item.Servers); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		for _, base := range itemBases {
			e, err := root.add(base, path, t, len(ends), paths)
			if err != nil {
				return nil, err
			}
			ends = append(ends, e)
		}
	}

	// The nodes, numbered breadth first from the root, and their edges.
	nodes := []*node{root}
	for i := 0; i < len(nodes); i++ {
		n := nodes[i]
		n.number = uint32(i)
		for _, segment := range slices.Sorted(maps.Keys(n.literals)) {
			nodes = append(nodes, n.literals[segment])
		}
		if n.param != nil {
			nodes = append(nodes, n.param)
		}
	}

	head, err := compact.Encode(HeadOf(doc))
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}

	var tables []uint32
	for _, op := range operations {
		tables = b.string(tables, op.id)
		tables = append(tables, uint32(op.method), uint32(op.template), op.opNumber, op.item)
	}
	for t, path := range paths {
		tables = b.string(tables, path)
		tables = append(tables, templates[t][:]...)
	}
	var parameters []uint32
	for _, e := range ends {
		tables = append(tables, uint32(e.template), uint32(len(parameters)/parameterWidth), uint32(len(e.params)))
		for _, p := range e.params {
			parameters = b.string(append(parameters, uint32(p.segment)), p.name)
		}
	}
	tables = append(tables, parameters...)
	edges := 0
	for _, n := range nodes {
		param, endNumber := uint32(None), uint32(None)
		if n.param != nil {
			param = n.param.number
		}
		if n.end >= 0 {
			endNumber = uint32(n.end)
		}
		tables = append(tables, param, endNumber, uint32(edges), uint32(len(n.literals)))
		edges += len(n.literals)
	}
	for _, n := range nodes {
		for _, segment := range slices.Sorted(maps.Keys(n.literals)) {
			tables = append(b.string(tables, segment), n.literals[segment].number)
		}
	}
	if len(b.pool) > math.MaxUint32/2 {
		return nil, fmt.Errorf("outline: %d bytes of strings are more than an offset holds", len(b.pool))
	}

	out := make([]byte, 0, 4*(headerWidth+len(tables))+len(head)+len(b.pool))
	for _, n := range []int{len(operations), len(paths), len(ends), len(parameters) / parameterWidth,
		len(nodes), edges, len(head), len(b.pool)} {
		out = binary.LittleEndian.AppendUint32(out, uint32(n))
	}
	for _, n := range tables {
		out = binary.LittleEndian.AppendUint32(out, n)
	}
	out = append(out, head...)
	return append(out, b.pool...), nil
}

// HeadOf is doc's head: its version, info, servers and security, with no
// paths.
func HeadOf(doc *openapi3.T) *openapi3.T {
	return &openapi3.T{OpenAPI: doc.OpenAPI, Info: doc.Info, Servers: doc.Servers, Security: doc.Security,
		Paths: openapi3.NewPaths()}
}

func numberOf(number func(any) (int, bool), shared any) uint32 {
	if number == nil {
		return None
	}
	k, ok := number(shared)
	if !ok {
		return None
	}
	return uint32(k)
}

// builder keeps the strings the tables name, each once.
type builder struct {
	pool    []byte
	strings map[string][2]uint32
}

// string appends the offset and length of s to entries.
func (b *builder) string(entries []uint32, s string) []uint32 {
	ref, ok := b.strings[s]
	if !ok {
		ref = [2]uint32{uint32(len(b.pool)), uint32(len(s))}
		b.pool = append(b.pool, s...)
		b.strings[s] = ref
	}
	return append(entries, ref[0], ref[1])
}

// node is one segment of the templates that reach it, as Build makes it.
type node struct {
	number   uint32
	literals map[string]*node
	param    *node
	end      int // the end of the template that ends here, or -1
	path     string
}

// end is a template under one base path, with its {name}s.
type end struct {
	template int
	params   []param
}

// param is a {name} of a template and the index of its segment.
type param struct {
	segment int
	name    string
}

// add puts path, under base, in the trie as end number e.
func (root *node) add(base, path string, template, e int, paths []string) (end, error) {
	n := root
	result := end{template: template}
	rest := strings.TrimPrefix(base+path, "/")
	for i, more := 0, true; more; i++ {
		var segment string
		segment, rest, more = strings.Cut(rest, "/")
		if name, ok := strings.CutPrefix(segment, "{"); ok {
			name, ok = strings.CutSuffix(name, "}")
			if !ok || name == "" || strings.ContainsAny(name, "{}:") {
				return end{}, fmt.Errorf("%s: segment %q: the router takes a literal or one whole {name}", path, segment)
			}
			result.params = append(result.params, param{segment: i, name: name})
			if n.param == nil {
				n.param = &node{end: -1}
			}
			n = n.param
			continue
		}
		if strings.ContainsAny(segment, "{}") {
			return end{}, fmt.Errorf("%s: segment %q: the router takes a literal or one whole {name}", path, segment)
		}
		if n.literals == nil {
			n.literals = map[string]*node{}
		}
		next := n.literals[segment]
		if next == nil {
			next = &node{end: -1}
			n.literals[segment] = next
		}
		n = next
	}
	if n.end >= 0 {
		return end{}, fmt.Errorf("%s and %s match the same requests", n.path, path)
	}
	n.end, n.path = e, path
	return result, nil
}

// basePaths are the path parts of servers' URLs, "" for "/" or none.
func basePaths(servers openapi3.Servers) ([]string, error) {
	if len(servers) == 0 {
		return []string{""}, nil
	}
	bases := make([]string, 0, len(servers))
	for _, s := range servers {
		if s.URL == "" {
			bases = append(bases, "")
			continue
		}
		if !strings.HasPrefix(s.URL, "/") || strings.HasPrefix(s.URL, "//") || strings.ContainsAny(s.URL, "{}?#") {
			return nil, fmt.Errorf("server %q: the router takes only a base path, such as / or /v1", s.URL)
		}
		bases = append(bases, strings.TrimSuffix(s.URL, "/"))
	}
	return bases, nil
}

// Generate is what `make generate` writes of a YAML document: its compact
// form (package compact) and its outline, which names the operations and
// path items of that form by number.
func Generate(yaml []byte) (document, outline []byte, err error) {
	doc, err := compact.Parse(yaml)
	if err != nil {
		return nil, nil, err
	}
	return Encode(doc)
}

// Encode is doc's compact form and outline, as Generate makes them of a
// document already loaded.
func Encode(doc *openapi3.T) (document, outline []byte, err error) {
	document, number, err := compact.EncodeShared(doc)
	if err != nil {
		return nil, nil, err
	}
	outline, err = Build(doc, number)
	if err != nil {
		return nil, nil, err
	}
	return document, outline, nil
}

package openapi

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/acme/cognito-admin-gateway/openapi/internal/compact"
	"github.com/acme/cognito-admin-gateway/openapi/internal/outline"
)

// Spec is the document as the gateway serves it. A reader asks it for
// what it needs, a request's route, one operation, or the whole document,
// and gets it whole: how much of the document is decoded, and when, is
// this package's business alone. It is safe for concurrent use.
//
// A Spec from LoadSpec decodes nothing when it is made: its routes and
// its index of operations are read from outline.bin where it lies, and
// each operation is decoded from openapi.bin the first time it is asked
// for, so that a cold start costs the same however many operations the
// document has (see BENCHMARKS.md). A Spec from SpecOf wraps a document
// already whole.
type Spec struct {
	outline outline.Outline
	head    *openapi3.T
	decode  *lazy // nil when doc is whole
	// doc is the whole document: from the start when decode is nil, else
	// once Document decoded it.
	doc   *openapi3.T
	whole sync.Once
	// wholeOperations are doc's operations and path items, by number,
	// when doc is whole.
	wholeOperations []wholeOperation
	// operations, by number, are made when first asked for, so that
	// making the Spec costs a pointer an operation.
	operations []atomic.Pointer[specOperation]
}

type wholeOperation struct {
	op   *openapi3.Operation
	item *openapi3.PathItem
}

// specOperation is an operation once asked for: its route, and itself
// once decoded for requests.
type specOperation struct {
	route   *routers.Route
	decoded sync.Once
	op      *openapi3.Operation
	item    *openapi3.PathItem
}

// Operation is one operation of the spec, as serving a request of it
// reads it.
type Operation struct {
	Method string
	Path   string // the path template, as the document's paths name it
	// Operation is the document's own. All of it is decoded but for the
	// schemas of its answers, which no request reads: Document has them.
	Operation *openapi3.Operation
	// PathParameters are those its path item declares for every method.
	PathParameters openapi3.Parameters
}

// LoadSpec loads the document as Load does, in a fraction of the time:
// it decodes each operation, and the schemas it uses, when Operation is
// first asked for it.
func LoadSpec() (*Spec, error) {
	return open(loaded, outlined)
}

// Generated is what `make generate` writes of a document, openapi.bin and
// outline.bin, kept in memory: it is for measuring a cold start over a
// document other than openapi.yaml.
type Generated struct{ document, outline string }

// Generate is what `make generate` would write were doc openapi.yaml.
func Generate(doc *openapi3.T) (Generated, error) {
	document, index, err := outline.Encode(doc)
	if err != nil {
		return Generated{}, err
	}
	return Generated{document: string(document), outline: string(index)}, nil
}

// LoadSpec is the Spec the package's LoadSpec would make of g.
func (g Generated) LoadSpec() (*Spec, error) { return open(g.document, g.outline) }

// open is the Spec of a document in package compact's form and its
// outline.
func open(document, index string) (*Spec, error) {
	o, err := outline.Read(index)
	if err != nil {
		return nil, fmt.Errorf("outline.bin: %w; run go generate ./openapi", err)
	}
	head, err := compact.Decode(o.Head())
	if err != nil {
		return nil, fmt.Errorf("outline.bin: %w; run go generate ./openapi", err)
	}
	c, err := compact.Open(document)
	if err != nil {
		return nil, fmt.Errorf("openapi.bin: %w; run go generate ./openapi", err)
	}
	return &Spec{outline: o, head: head, decode: &lazy{c: c},
		operations: make([]atomic.Pointer[specOperation], o.Operations())}, nil
}

// SpecOf is the Spec of a document already whole, as Load or a test
// makes it. It fails for what LoadSpec's generator refuses: a path the
// router cannot match, two operations with one operationId.
func SpecOf(doc *openapi3.T) (*Spec, error) {
	index, err := outline.Build(doc, nil)
	if err != nil {
		return nil, err
	}
	o, err := outline.Read(string(index))
	if err != nil {
		return nil, err
	}
	s := &Spec{outline: o, head: outline.HeadOf(doc), doc: doc,
		wholeOperations: make([]wholeOperation, o.Operations()),
		operations:      make([]atomic.Pointer[specOperation], o.Operations())}
	for i := range s.wholeOperations {
		op := o.Operation(i)
		item := doc.Paths.Value(o.Path(op.Template))
		s.wholeOperations[i] = wholeOperation{op: item.GetOperation(op.Method), item: item}
	}
	return s, nil
}

// Len is the number of operations of the spec.
func (s *Spec) Len() int { return s.outline.Operations() }

// Index is the place of the operation whose operationId is id among the
// spec's, from 0 to Len()-1, for a caller's own table of operations.
func (s *Spec) Index(id string) (int, bool) { return s.outline.Find(id) }

// OperationIDs are the ids of every operation of the spec, in the order
// of Index. Each call makes the slice anew.
func (s *Spec) OperationIDs() []string {
	ids := make([]string, s.Len())
	for i := range ids {
		ids[i] = s.outline.Operation(i).ID
	}
	return ids
}

// Paths are the document's path templates, sorted. Each call makes the
// slice anew.
func (s *Spec) Paths() []string {
	paths := make([]string, s.outline.Templates())
	for t := range paths {
		paths[t] = s.outline.Path(t)
	}
	return paths
}

// Head is the document's version, info, servers and security, with no
// paths: what validating a request reads of the document besides its
// operation. It is the Spec's own, and never changes: read it, do not
// write it.
func (s *Spec) Head() *openapi3.T { return s.head }

// FindRoute is r's route, with its path parameters as sent
// (percent-encoded); or routers.ErrPathNotFound, or
// routers.ErrMethodNotAllowed when the path matches a template that has
// no operation for r's method. The trie it walks was built at `make
// generate` time (package outline has its rules); the path is matched as
// sent (EscapedPath), so that "a%2Fb" is one segment. The route's
// operation is bare but for its OperationID (the document's own, of a
// Spec from SpecOf): Operation hands it out decoded. The route is the
// Spec's own, made once: do not change it.
func (s *Spec) FindRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	path := r.URL.EscapedPath()
	m, ok := s.outline.Match(path)
	if !ok {
		return nil, nil, routers.ErrPathNotFound
	}
	i, ok := s.outline.TemplateOperation(m.Template, r.Method)
	if !ok {
		return nil, nil, routers.ErrMethodNotAllowed
	}
	route := s.operation(i).route
	n := m.Params()
	params := make(map[string]string, n)
	rest := strings.TrimPrefix(path, "/")
	segment := 0
	for p := range n {
		name, at := m.Param(p)
		for ; segment < at; segment++ {
			_, rest, _ = strings.Cut(rest, "/")
		}
		params[name], _, _ = strings.Cut(rest, "/")
	}
	return route, params, nil
}

// operation is operation i, made once with its route.
func (s *Spec) operation(i int) *specOperation {
	if o := s.operations[i].Load(); o != nil {
		return o
	}
	op := s.outline.Operation(i)
	route := &routers.Route{Spec: s.head, Path: s.outline.Path(op.Template), Method: op.Method,
		PathItem: &openapi3.PathItem{}, Operation: &openapi3.Operation{OperationID: op.ID}}
	if s.wholeOperations != nil {
		route.Spec, route.PathItem, route.Operation = s.doc, s.wholeOperations[i].item, s.wholeOperations[i].op
	}
	// Of two first lookups at once, one makes the entry both use.
	s.operations[i].CompareAndSwap(nil, &specOperation{route: route})
	return s.operations[i].Load()
}

// Operation is the operation whose operationId is id, decoded for
// requests, or false if the document has none.
func (s *Spec) Operation(id string) (Operation, bool) {
	i, ok := s.outline.Find(id)
	if !ok {
		return Operation{}, false
	}
	o := s.operation(i)
	o.decoded.Do(func() {
		if s.wholeOperations != nil {
			o.op, o.item = s.wholeOperations[i].op, s.wholeOperations[i].item
			return
		}
		entry := s.outline.Operation(i)
		o.op = compact.Shared[openapi3.Operation](s.decode.c, int(entry.Number))
		o.item = compact.Shared[openapi3.PathItem](s.decode.c, int(entry.PathItem))
		s.decode.c.Fill(o.item)
		s.decode.Complete(o.item.Parameters)
		s.decode.CompleteRequest(o.op)
	})
	return Operation{Method: o.route.Method, Path: o.route.Path, Operation: o.op, PathParameters: o.item.Parameters}, true
}

// Document is the whole document, for GET /openapi.json. The first call
// decodes what no operation asked for yet: the paths, the schemas of the
// answers, and the components.
func (s *Spec) Document() *openapi3.T {
	s.whole.Do(func() {
		if s.decode == nil {
			return
		}
		doc, err := s.decode.c.Document()
		if err != nil {
			// The embedded form is decoded whole by a test: this is a
			// build from a stale or damaged openapi.bin.
			panic(fmt.Sprintf("openapi.bin: %v; run go generate ./openapi", err))
		}
		s.doc = doc
	})
	return s.doc
}

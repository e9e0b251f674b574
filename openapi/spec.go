package openapi

import (
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Spec is the document as the gateway serves it. A reader asks it for
// what it needs, an outline to route by, one operation, or the whole
// document, and gets it whole: how much of the document is decoded, and
// when, is this package's business alone. It is safe for concurrent use.
//
// A Spec from LoadSpec decodes each operation the first time it is asked
// for, so that a cold start decodes the paths and little else (see
// BENCHMARKS.md); a Spec from SpecOf wraps a document already whole.
type Spec struct {
	doc     *openapi3.T
	decode  *lazy // nil when doc is whole
	outline *openapi3.T
	// operations, by operationId, is made when the Spec is and never
	// changes: lookups need no lock.
	operations map[string]*specOperation
	ids        []string
	whole      sync.Once
}

// specOperation is where an operation is in the document, and whether it
// is decoded for requests yet.
type specOperation struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
	decoded      sync.Once
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

// LoadSpec loads the document as Load does, in a fraction of the time: it
// decodes the paths, and each operation and the schemas it uses when
// Operation is first asked for it.
func LoadSpec() (*Spec, error) {
	doc, l, err := loadLazily()
	if err != nil {
		return nil, err
	}
	return newSpec(doc, l), nil
}

// SpecOf is the Spec of a document already whole, as Load or a test
// makes it.
func SpecOf(doc *openapi3.T) *Spec { return newSpec(doc, nil) }

func newSpec(doc *openapi3.T, l *lazy) *Spec {
	// A cold start makes all of it: the bare path items, operations and
	// index entries are each one allocation.
	n := 0
	for _, item := range doc.Paths.Map() {
		for _, method := range methods {
			if item.GetOperation(method) != nil {
				n++
			}
		}
	}
	s := &Spec{doc: doc, decode: l, operations: make(map[string]*specOperation, n), ids: make([]string, 0, n)}
	s.outline = &openapi3.T{OpenAPI: doc.OpenAPI, Info: doc.Info, Servers: doc.Servers,
		Paths: openapi3.NewPathsWithCapacity(doc.Paths.Len())}
	items := make([]openapi3.PathItem, 0, doc.Paths.Len())
	bareOps := make([]openapi3.Operation, 0, n)
	entries := make([]specOperation, 0, n)
	for path, item := range doc.Paths.Map() {
		items = append(items, openapi3.PathItem{Servers: item.Servers})
		bare := &items[len(items)-1]
		for _, method := range methods {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			// An operation's id is decoded with the paths, and never
			// written again.
			bareOps = append(bareOps, openapi3.Operation{OperationID: op.OperationID})
			bare.SetOperation(method, &bareOps[len(bareOps)-1])
			entries = append(entries, specOperation{method: method, path: path, item: item, op: op})
			s.operations[op.OperationID] = &entries[len(entries)-1]
			s.ids = append(s.ids, op.OperationID)
		}
		s.outline.Paths.Set(path, bare)
	}
	return s
}

// methods are those an OpenAPI 3.0 path item has operations for, in the
// order kin-openapi's PathItem.Operations would list them.
var methods = [...]string{http.MethodConnect, http.MethodDelete, http.MethodGet, http.MethodHead,
	http.MethodOptions, http.MethodPatch, http.MethodPost, http.MethodPut, http.MethodTrace}

// OperationIDs are the ids of every operation of the spec. The slice is
// the Spec's own: do not change it.
func (s *Spec) OperationIDs() []string { return s.ids }

// Outline is the document's version, info, servers and paths, each
// operation in it bare but for its OperationID: what a router matches a
// request against, and what names the operation to ask Operation for.
// It is the Spec's own, and never changes: read it, do not write it.
func (s *Spec) Outline() *openapi3.T { return s.outline }

// Operation is the operation whose operationId is id, decoded for
// requests, or false if the document has none.
func (s *Spec) Operation(id string) (Operation, bool) {
	o, ok := s.operations[id]
	if !ok {
		return Operation{}, false
	}
	o.decoded.Do(func() {
		if s.decode == nil {
			return
		}
		s.decode.CompleteRequest(o.op)
		s.decode.Complete(o.item.Parameters)
	})
	return Operation{Method: o.method, Path: o.path, Operation: o.op, PathParameters: o.item.Parameters}, true
}

// Document is the whole document, for GET /openapi.json. The first call
// decodes what no operation asked for yet: the schemas of the answers,
// and the components.
func (s *Spec) Document() *openapi3.T {
	s.whole.Do(func() {
		if s.decode != nil {
			s.decode.Complete(s.doc)
		}
	})
	return s.doc
}

package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// validate checks the request against the spec, reporting every violation at
// once, and returns the decoded JSON body. Nothing reaches Cognito before it.
// query is r's parsed query, which kin-openapi only reads.
func (g *Gateway) validate(r *http.Request, op *operation, path map[string]string, query url.Values) (map[string]any, error) {
	mediaType, err := checkMediaType(r, op)
	if err != nil {
		return nil, err
	}
	// The query's own mistakes join those validation finds.
	var violations problem.Violations
	checkQuery(query, op, &violations)
	if err := bufferBody(r); err != nil {
		return nil, err
	}
	input := &openapi3filter.RequestValidationInput{
		Request:     r,
		PathParams:  path,
		QueryParams: query,
		Route:       op.route,
		Options:     &g.validation,
	}
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		return nil, validationProblem(err, &violations)
	}
	if violations.Len() > 0 {
		return nil, violations.Problem()
	}
	if op.mediaTypes == nil || r.Body == nil {
		return nil, nil
	}
	validated, ok := r.Body.(interface{ ValidatedValue() any })
	if !ok {
		return nil, nil
	}
	switch v := validated.ValidatedValue().(type) {
	case map[string]any:
		exactNumbers(v, bodySchema(op, mediaType), nil, &violations)
		if violations.Len() > 0 {
			return nil, violations.Problem()
		}
		return v, nil
	case nil:
		return nil, nil
	default:
		return nil, problem.New(http.StatusBadRequest, problem.CodeMalformedBody, "The request body must be a JSON object.")
	}
}

// MaxBodyBytes bounds a request body. Cognito's largest inputs are far
// smaller; anything bigger is refused before it is read whole.
const MaxBodyBytes = 256 << 10

// MaxJSONDepth bounds how deeply a body may nest. Cognito's deepest input
// nests a few levels; a deeper one is an attack on the decoder, not a request.
const MaxJSONDepth = 32

// MaxJSONItems bounds the array items and object members of a body, all
// levels together. Cognito's largest input (a pool with 50 schema
// attributes, a client with 100 callback URLs) holds under a thousand.
// Validation costs an error value for each wrong one, and a body of
// MaxBodyBytes can hold 130,000 of them: held to this, 8 such requests at
// once stay within a few megabytes.
const MaxJSONItems = 10_000

// bufferBody reads the body, bounded, and rejects what JSON decoding would
// otherwise accept or choke on: invalid UTF-8 (which encoding/json would
// silently replace), absurd nesting, and more items than any Cognito input
// takes. The body is put back for validation.
func bufferBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	tooLarge := problem.New(http.StatusRequestEntityTooLarge, problem.CodeTooLarge,
		fmt.Sprintf("The request body is larger than %d bytes.", MaxBodyBytes))
	if r.ContentLength > MaxBodyBytes {
		return tooLarge
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	_ = r.Body.Close()
	if err != nil {
		return problem.New(http.StatusBadRequest, problem.CodeMalformedBody, "The request body could not be read.")
	}
	if len(data) > MaxBodyBytes {
		return tooLarge
	}
	if !utf8.Valid(data) {
		return problem.New(http.StatusBadRequest, problem.CodeMalformedBody, "The request body is not valid UTF-8.")
	}
	depth, items := jsonShape(data)
	if depth > MaxJSONDepth {
		return problem.New(http.StatusBadRequest, problem.CodeMalformedBody,
			fmt.Sprintf("The request body nests deeper than %d levels.", MaxJSONDepth))
	}
	if items > MaxJSONItems {
		return problem.New(http.StatusRequestEntityTooLarge, problem.CodeTooLarge,
			fmt.Sprintf("The request body holds more than %d array items and object members.", MaxJSONItems))
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.ContentLength = int64(len(data))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return nil
}

// jsonShape is the deepest nesting of objects and arrays in data, and the
// number of their items and members, strings skipped. It does not validate;
// the decoder does that afterwards.
func jsonShape(data []byte) (deepest, items int) {
	depth, inString, escaped := 0, false, false
	// opened is set between a '[' or '{' and what follows it, which is
	// its first item unless it closes it.
	opened := false
	for _, b := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		case '}', ']':
			depth--
			opened = false
			continue
		}
		if opened || b == ',' {
			items++
		}
		opened = false
		switch b {
		case '"':
			inString = true
		case '{', '[':
			depth++
			deepest = max(deepest, depth)
			opened = true
		}
	}
	return deepest, items
}

// checkQuery finds the query parameters op does not declare, as unknown
// body members are refused rather than ignored: a misspelt Limit or dryRun
// would otherwise be silently ignored, and a dry run become a real change.
// A declared parameter that differs only in case is suggested. It also
// finds a parameter repeated where the spec wants one value: which of the
// values would count is a guess not worth making.
func checkQuery(query url.Values, op *operation, violations *problem.Violations) {
	for _, name := range sortedKeys(query) {
		if slices.Contains(op.queryNames, name) {
			continue
		}
		message := fmt.Sprintf("parameter %q is not one this operation takes", name)
		if len(op.queryNames) == 0 {
			message = fmt.Sprintf("parameter %q is not one this operation takes; it takes none", name)
		}
		for _, declared := range op.queryNames {
			if strings.EqualFold(declared, name) {
				message = fmt.Sprintf("parameter %q is not one this operation takes; did you mean %q?", name, declared)
			}
		}
		violations.Add(problem.Violation{Parameter: name, Message: message})
	}
	for _, name := range op.single {
		if len(query[name]) > 1 {
			violations.Add(problem.Violation{Parameter: name,
				Message: fmt.Sprintf("parameter %q takes one value, got %d", name, len(query[name]))})
		}
	}
}

// checkMediaType rejects a body in a media type the operation does not take,
// and returns the body's media type.
func checkMediaType(r *http.Request, op *operation) (string, error) {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return "", nil
	}
	if op.mediaTypes == nil {
		if r.ContentLength > 0 {
			return "", problem.New(http.StatusBadRequest, problem.CodeMalformedBody,
				fmt.Sprintf("%s %s takes no request body.", op.method, op.path))
		}
		return "", nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !op.mediaTypes[mt] {
		return "", problem.New(http.StatusUnsupportedMediaType, problem.CodeUnsupportedMedia,
			fmt.Sprintf("Content-Type must be one of: %s.", strings.Join(sortedKeys(op.mediaTypes), ", ")))
	}
	return mt, nil
}

// bodySchema is the schema of op's request body in mediaType, or nil.
func bodySchema(op *operation, mediaType string) *openapi3.Schema {
	body := op.unsecured.RequestBody
	if body == nil || body.Value == nil {
		return nil
	}
	content := body.Value.Content.Get(mediaType)
	if content == nil || content.Schema == nil {
		return nil
	}
	return content.Schema.Value
}

// exactNumbers replaces, in place, every number of a validated body (a
// json.Number, as kin-openapi decodes it) with its exact value: an int64
// when it is whole, whatever its spelling (1.0 and 1e2 are 1 and 100), and
// a float64 otherwise. kin-openapi checks an integer member as a float64,
// which takes 1e-400 (0 once rounded) for a whole number; against the exact
// literal, a number that is not whole where schema wants an integer is a
// violation at path. Either way, what Cognito is sent, and what a dry run
// shows, is one number that the SDK's integer members decode.
func exactNumbers(value any, schema *openapi3.Schema, path []string, violations *problem.Violations) any {
	switch v := value.(type) {
	case map[string]any:
		for name, member := range v {
			v[name] = exactNumbers(member, memberSchema(schema, name), append(path, name), violations)
		}
	case []any:
		var items *openapi3.Schema
		if schema != nil && schema.Items != nil {
			items = schema.Items.Value
		}
		for i, item := range v {
			v[i] = exactNumbers(item, items, append(path, strconv.Itoa(i)), violations)
		}
	case json.Number:
		if schema == nil {
			// In a free-form document (a branding style's Settings), where
			// no schema says what the number is for: Cognito gets the
			// literal, 12345678901234567890 and 0.1 as written.
			return v
		}
		n, whole := exactNumber(string(v))
		if !whole && schema != nil && schema.Type.Is(openapi3.TypeInteger) {
			if violations.Full() {
				violations.Omit(1)
			} else {
				violations.Add(violation("", path, "value must be an integer"))
			}
		}
		return n
	}
	return value
}

// memberSchema is the schema of an object's member name, or nil.
func memberSchema(schema *openapi3.Schema, name string) *openapi3.Schema {
	if schema == nil {
		return nil
	}
	if member := schema.Properties[name]; member != nil {
		return member.Value
	}
	if more := schema.AdditionalProperties.Schema; more != nil {
		return more.Value
	}
	return nil
}

// exactNumber is the value of a JSON number literal that validation has
// read as a finite float64, and whether the literal, exactly, is a whole
// number. A whole number is an int64 when float64 holds it exactly (up to
// 2^53, beyond any Cognito member); anything else is the float64.
func exactNumber(literal string) (any, bool) {
	f, _ := strconv.ParseFloat(literal, 64)
	whole := isWhole(literal)
	if whole && math.Abs(f) <= 1<<53 {
		return int64(f), true
	}
	return f, whole
}

// maxExponent is beyond any exponent of a finite float64, and of the
// digits of a body of MaxBodyBytes.
const maxExponent = 1 << 20

// isWhole reports whether a JSON number literal is a whole number, from its
// digits and exponent rather than a rounded float64: 1.0, 1e2 and 0e-999
// are, 1.5 and 1e-400 are not.
func isWhole(literal string) bool {
	mantissa, exponent := literal, "0"
	if i := strings.IndexAny(literal, "eE"); i >= 0 {
		mantissa, exponent = literal[:i], literal[i+1:]
	}
	whole, fraction, _ := strings.Cut(strings.TrimPrefix(mantissa, "-"), ".")
	fraction = strings.TrimRight(fraction, "0")
	digits := strings.TrimLeft(whole+fraction, "0")
	if digits == "" {
		return true // zero, in any spelling
	}
	// The value is digits × 10^scale; it is whole unless scale is below
	// the number of trailing zeros of digits, negated.
	trailing := len(digits) - len(strings.TrimRight(digits, "0"))
	scale, err := strconv.Atoi(exponent)
	if err != nil || scale < -maxExponent || scale > maxExponent {
		// Positive, the float64 would have been infinite, which
		// validation refuses; negative, the number is far too small.
		return !strings.HasPrefix(exponent, "-")
	}
	return scale-len(fraction)+trailing >= 0
}

// validationProblem turns kin-openapi's errors into one 400 with a violation
// per failure, after those already found (found may be nil), as many as
// problem.Violations lists; the rest are only counted, so that a body wrong
// in each of 10,000 items costs no message or pointer for each. A body that
// is not JSON at all is a MalformedBody problem.
func validationProblem(err error, found *problem.Violations) error {
	violations := found
	if violations == nil {
		violations = &problem.Violations{}
	}
	add := func(param string, path func() []string, message func() string) {
		if violations.Full() {
			violations.Omit(1)
			return
		}
		violations.Add(violation(param, path(), message()))
	}
	malformed := false
	var collect func(err error, param string)
	collect = func(err error, param string) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, inner := range e {
				collect(inner, param)
			}
		case *openapi3filter.RequestError:
			if e.Parameter != nil {
				param = e.Parameter.Name
			}
			var parseErr *openapi3filter.ParseError
			switch {
			case e.RequestBody != nil && errors.As(e.Err, &parseErr):
				malformed = true
			case e.Err == nil:
				add(param, noPath, e.Error)
			default:
				collect(e.Err, param)
			}
		case *openapi3.SchemaError:
			add(param, func() []string { return schemaErrorPath(e) }, func() string { return e.Reason })
		default:
			add(param, noPath, err.Error)
		}
	}
	collect(err, "")
	if malformed {
		return problem.New(http.StatusBadRequest, problem.CodeMalformedBody, "The request body is not valid JSON.")
	}
	return violations.Problem()
}

func noPath() []string { return nil }

// schemaErrorPath is where e is in the body. kin-openapi places an unknown
// member's error on the object that holds it, and names the member only in
// its reason; the client is pointed at the member itself.
func schemaErrorPath(e *openapi3.SchemaError) []string {
	path := e.JSONPointer()
	if e.SchemaField != "properties" {
		return path
	}
	quoted, isProperty := strings.CutPrefix(e.Reason, "property ")
	quoted, isUnknown := strings.CutSuffix(quoted, " is unsupported")
	name, err := strconv.Unquote(quoted)
	if !isProperty || !isUnknown || err != nil {
		return path
	}
	return append(path, name)
}

// violation names a parameter, or else a place in the body.
func violation(param string, path []string, message string) problem.Violation {
	if param != "" {
		if len(path) > 0 {
			message = pointer(path) + ": " + message
		}
		return problem.Violation{Parameter: param, Message: fmt.Sprintf("parameter %q: %s", param, message)}
	}
	return problem.Violation{Pointer: pointer(path), Message: message}
}

// pointer builds an RFC 6901 JSON pointer.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		if strings.ContainsAny(t, "~/") {
			t = strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
		}
		b.WriteString(t)
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// decodedJSON turns a JSON-shaped tree, in place, into what json.Unmarshal
// would decode from its encoding: every number a float64. It spares the
// round trip through JSON text, and copying the tree.
func decodedJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, item := range x {
			x[k] = decodedJSON(item)
		}
	case []any:
		for i, item := range x {
			x[i] = decodedJSON(item)
		}
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case int32:
		return float64(x)
	}
	return v
}

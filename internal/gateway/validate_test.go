package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/problem"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
	"github.com/acme/cognito-admin-gateway/openapi"
)

// usersWithAttributes is a new user whose attributes are n copies of item.
func usersWithAttributes(item string, n int) string {
	return `{"Username":"ada","UserAttributes":[` + strings.Repeat(item+",", n-1) + item + `]}`
}

// problemBody is the part of a problem+json answer these tests read.
type problemBody struct {
	Code          string
	Detail        string
	Errors        []problem.Violation
	ErrorsOmitted int
}

func serveProblem(t *testing.T, g http.Handler, req *http.Request) (*httptest.ResponseRecorder, problemBody) {
	t.Helper()
	rec := spectest.New(t).Serve(t, g, req)
	var p problemBody
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("%d: %v: %s", rec.Code, err, rec.Body)
	}
	return rec, p
}

func TestViolationsAreCappedWithTheNumberLeftOut(t *testing.T) {
	cases := []struct {
		name           string
		items          int
		status         int
		listed, left   int
		lastPointer    string
		detailOfOneErr bool
	}{
		{name: "one", items: 1, status: 400, listed: 1, lastPointer: "/UserAttributes/0", detailOfOneErr: true},
		{name: "exactly the cap", items: problem.MaxViolations, status: 400, listed: 100, lastPointer: "/UserAttributes/99"},
		{name: "past the cap", items: 250, status: 400, listed: 100, left: 150, lastPointer: "/UserAttributes/99"},
		{name: "the most items taken", items: MaxJSONItems - 2, status: 400, listed: 100, left: MaxJSONItems - 102, lastPointer: "/UserAttributes/99"},
		{name: "more items than any Cognito input", items: MaxJSONItems, status: 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			req := httptest.NewRequest("POST", "/pools/"+poolID+"/users", strings.NewReader(usersWithAttributes("1", tc.items)))
			req.Header.Set("Content-Type", "application/json")
			rec, p := serveProblem(t, newTestGateway(t, stub), req)
			if rec.Code != tc.status || len(p.Errors) != tc.listed || p.ErrorsOmitted != tc.left {
				t.Fatalf("%d with %d errors and %d omitted; want %d, %d and %d", rec.Code, len(p.Errors), p.ErrorsOmitted,
					tc.status, tc.listed, tc.left)
			}
			if tc.listed > 0 && p.Errors[tc.listed-1].Pointer != tc.lastPointer {
				t.Errorf("last error %+v, want pointer %s", p.Errors[tc.listed-1], tc.lastPointer)
			}
			if oneErr := tc.listed > 0 && p.Detail == p.Errors[0].Message; oneErr != tc.detailOfOneErr {
				t.Errorf("detail %q with %d errors and %d omitted", p.Detail, len(p.Errors), p.ErrorsOmitted)
			}
			if rec.Body.Len() > 16<<10 {
				t.Errorf("answer of %d bytes", rec.Body.Len())
			}
			if calls := stub.Calls(); len(calls) != 0 {
				t.Errorf("Cognito called: %v", calls)
			}
		})
	}
}

// TestViolationsAreCappedInSize: however long the names a body makes up,
// the answer stays under 64 KiB: a pointer or message is cut short at 1 KiB,
// and violations past 48 KiB of text are only counted.
func TestViolationsAreCappedInSize(t *testing.T) {
	cases := []struct {
		name          string
		members, size int
		listed        int
	}{
		{"one name of 200 KiB", 1, 200 << 10, 1},
		{"a hundred names of 2 KiB", 100, 2 << 10, 24},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body strings.Builder
			body.WriteString(`{"PoolName": "x"`)
			for i := range tc.members {
				fmt.Fprintf(&body, `, "%0*d": 1`, tc.size, i)
			}
			body.WriteString("}")
			req := httptest.NewRequest("POST", "/pools", strings.NewReader(body.String()))
			req.Header.Set("Content-Type", "application/json")
			rec, p := serveProblem(t, newTestGateway(t, cognitotest.New(t)), req)
			if rec.Code != http.StatusBadRequest || len(p.Errors) != tc.listed || p.ErrorsOmitted != tc.members-tc.listed {
				t.Fatalf("%d with %d errors and %d omitted; want 400, %d and %d", rec.Code, len(p.Errors), p.ErrorsOmitted,
					tc.listed, tc.members-tc.listed)
			}
			if rec.Body.Len() >= 64<<10 {
				t.Errorf("an answer of %d bytes", rec.Body.Len())
			}
			if pointer := p.Errors[0].Pointer; len(pointer) > 1<<10 || !strings.HasSuffix(pointer, "…") {
				t.Errorf("a pointer of %d bytes ending %q", len(pointer), pointer[max(0, len(pointer)-8):])
			}
		})
	}
}

// TestJSONShapeCountsItemsAndMembers pins what MaxJSONItems counts.
func TestJSONShapeCountsItemsAndMembers(t *testing.T) {
	cases := []struct {
		json         string
		depth, items int
	}{
		{`{}`, 1, 0},
		{` [ ] `, 1, 0},
		{`{"a":1}`, 1, 1},
		{`{"a":[1, 2 ,3],"b":{}}`, 2, 5},
		{`{"a,b":"[{,}]"}`, 1, 1},
		{`["\"", "\\", {"x":[[]]}]`, 4, 5},
		{"[\n1\t,\r2]", 1, 2},
	}
	for _, tc := range cases {
		if depth, items := jsonShape([]byte(tc.json)); depth != tc.depth || items != tc.items {
			t.Errorf("%s: depth %d and %d items, want %d and %d", tc.json, depth, items, tc.depth, tc.items)
		}
	}
}

// BenchmarkBodyWrongInEveryItem is the answer to a body as large as the
// gateway takes, and wrong in each of its items: its size (answer-bytes)
// and its cost. Before the caps, a body of 125,000 wrong items took 1.7 s
// and 1.7 GB of allocations, for an answer of 9 MB.
func BenchmarkBodyWrongInEveryItem(b *testing.B) {
	padded := `"` + strings.Repeat("x", 23) + `"`
	cases := []struct {
		name, item string
		n          int
	}{
		{"130000x2B", "1", (MaxBodyBytes - 64) / 2}, // refused for its items
		{"9990x25B", padded, MaxJSONItems - 10},     // validated, 100 listed
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			body := usersWithAttributes(tc.item, tc.n)
			doc, err := openapi.Load()
			if err != nil {
				b.Fatal(err)
			}
			g, err := New(cognitotest.New(b).Client(), doc, Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			size := 0
			for b.Loop() {
				req := httptest.NewRequest("POST", "/pools/"+poolID+"/users", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				g.ServeHTTP(rec, req)
				if rec.Code/100 != 4 {
					b.Fatalf("%d: %s", rec.Code, rec.Body)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "answer-bytes")
		})
	}
}

// TestUnknownMemberIsPointedAt: an unknown member's violation points at the
// member, not at the object that holds it ("/" for the body).
func TestUnknownMemberIsPointedAt(t *testing.T) {
	cases := []struct{ name, body, pointer string }{
		{"at the top", `{"PoolName": "x", "Surprise": 1}`, "/Surprise"},
		{"nested", `{"PoolName": "x", "Policies": {"PasswordPolicy": {"Odd": true}}}`, "/Policies/PasswordPolicy/Odd"},
		{"escaped", `{"PoolName": "x", "a/b~c": 1}`, "/a~1b~0c"},
		{"quoted", `{"PoolName": "x", "say \"hi\"": 1}`, `/say "hi"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			req := httptest.NewRequest("POST", "/pools", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			rec, p := serveProblem(t, newTestGateway(t, stub), req)
			if rec.Code != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Pointer != tc.pointer {
				t.Errorf("%d %+v, want one error at %s", rec.Code, p.Errors, tc.pointer)
			}
		})
	}
}

func TestIsWholeReadsTheLiteralExactly(t *testing.T) {
	cases := []struct {
		literal string
		whole   bool
		value   any
	}{
		{"1", true, int64(1)},
		{"-7", true, int64(-7)},
		{"1.0", true, int64(1)},
		{"1e2", true, int64(100)},
		{"1E+2", true, int64(100)},
		{"2.50e1", true, int64(25)},
		{"1200e-2", true, int64(12)},
		{"0e-999", true, int64(0)},
		{"-0.0", true, int64(0)},
		{"1.5", false, 1.5},
		{"1e-400", false, 0.0},
		{"1.0000000000000000001", false, 1.0},
		{"15e-1", false, 1.5},
		{"1e-99999999999999999999", false, 0.0},
		{"1.5e-9223372036854775808", false, 0.0},
		{"1e300", true, 1e300},
	}
	for _, tc := range cases {
		value, whole := exactNumber(tc.literal)
		if whole != tc.whole || value != tc.value {
			t.Errorf("%s: %v (%T), whole %v; want %v (%T), %v", tc.literal, value, value, whole, tc.value, tc.value, tc.whole)
		}
	}
}

// TestIntegerMembersTakeWholeNumbersInAnySpellingAgainstMoto: an integer
// member sent as 1.0 or 1e2 is the whole number it spells, and one sent as
// 1.5 or 1e-400 (0 once rounded to a float64) is a 400 that points at it,
// on a create and on a PATCH, dry run or not. No spelling of a number
// reaches Cognito as something its SDK cannot decode (a 502 without a call).
func TestIntegerMembersTakeWholeNumbersInAnySpellingAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "numbers")
	groups := "/pools/" + pool + "/groups"
	cases := []struct {
		precedence string
		want       float64 // -1: refused
	}{
		{"1.0", 1},
		{"1e2", 100},
		{"2.50e1", 25},
		{"1.5", -1},
		{"1e-400", -1},
	}
	for i, tc := range cases {
		t.Run(tc.precedence, func(t *testing.T) {
			name := "group" + strconv.Itoa(i)
			var created map[string]any
			resp := m.do(t, "POST", groups, `{"GroupName": "`+name+`", "Precedence": `+tc.precedence+`}`, nil, &created)
			if tc.want < 0 {
				expectRefusedAt(t, resp, "/Precedence")
				expect(t, m.do(t, "POST", groups, `{"GroupName": "`+name+`"}`, nil, nil), http.StatusCreated)
			} else {
				expect(t, resp, http.StatusCreated)
				if created["Precedence"] != tc.want {
					t.Errorf("created with Precedence %v, want %v", created["Precedence"], tc.want)
				}
			}
			patch := `{"Precedence": ` + tc.precedence + `}`
			merge := map[string]string{"Content-Type": "application/merge-patch+json"}
			var preview, patched map[string]any
			dry := m.do(t, "PATCH", groups+"/"+name+"?dryRun=true", patch, merge, &preview)
			real := m.do(t, "PATCH", groups+"/"+name, patch, merge, &patched)
			if tc.want < 0 {
				expectRefusedAt(t, dry, "/Precedence")
				expectRefusedAt(t, real, "/Precedence")
				return
			}
			expect(t, dry, http.StatusOK)
			expect(t, real, http.StatusOK)
			if preview["Precedence"] != tc.want || patched["Precedence"] != tc.want {
				t.Errorf("PATCH: dry run Precedence %v, real %v; want %v", preview["Precedence"], patched["Precedence"], tc.want)
			}
		})
	}
}

// expectRefusedAt fails unless resp is a 400 ValidationFailed with one
// error, at pointer.
func expectRefusedAt(t *testing.T, resp *http.Response, pointer string) {
	t.Helper()
	var p problemBody
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest || p.Code != problem.CodeValidation || len(p.Errors) != 1 || p.Errors[0].Pointer != pointer {
		t.Errorf("%s %s: %d %s %+v; want 400 ValidationFailed at %s", resp.Request.Method, resp.Request.URL,
			resp.StatusCode, p.Code, p.Errors, pointer)
	}
}

// TestUnknownQueryParameterIsRefusedOnEveryOperation: every operation of the
// spec refuses a query parameter it does not declare with a 400 that names
// it, before Cognito is called, as it refuses an unknown body member.
func TestUnknownQueryParameterIsRefusedOnEveryOperation(t *testing.T) {
	checker := spectest.New(t)
	for path, item := range checker.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			t.Run(op.OperationID, func(t *testing.T) {
				target := exampleTarget(t, path)
				stub := cognitotest.New(t)
				req := httptest.NewRequest(method, target+"?Surprise=1", nil)
				req.Header.Set("Authorization", "Bearer "+accessToken)
				g := newTestGateway(t, stub)
				if op.Extensions[extSCIM] != nil {
					// A SCIM route checks its token first, and names the
					// parameter in SCIM's error schema.
					var err error
					if g, err = New(stub.Client(), loadSpec(t), Options{SCIMTokens: poolTokens{"us-east-1_EXAMPLE": accessToken}}); err != nil {
						t.Fatal(err)
					}
				}
				rec := checker.Serve(t, g, req)
				var p problemBody
				_ = json.Unmarshal(rec.Body.Bytes(), &p)
				found := false
				for _, v := range p.Errors {
					found = found || (v.Parameter == "Surprise" && strings.Contains(v.Message, `"Surprise"`))
				}
				if op.Extensions[extSCIM] != nil {
					var scimErr struct{ Detail string }
					_ = json.Unmarshal(rec.Body.Bytes(), &scimErr)
					found = strings.Contains(scimErr.Detail, `"Surprise"`)
				}
				if rec.Code != http.StatusBadRequest || !found {
					t.Errorf("%d %s", rec.Code, rec.Body)
				}
				if calls := stub.Calls(); len(calls) != 0 {
					t.Errorf("Cognito called: %v", calls)
				}
			})
		}
	}
}

// exampleTarget is path, a template of the spec, with each path
// parameter's example from the spec, as written there (percent-encoded where
// a value holds a '/'): a new route needs no value kept here.
func exampleTarget(t *testing.T, path string) string {
	t.Helper()
	item := exampleSpec().Paths.Value(path)
	if item == nil {
		t.Fatalf("%s is no path of the spec", path)
	}
	params := item.Parameters
	for _, op := range item.Operations() {
		params = append(params, op.Parameters...)
	}
	target := path
	for _, ref := range params {
		if p := ref.Value; p.In == openapi3.ParameterInPath && p.Example != nil {
			target = strings.ReplaceAll(target, "{"+p.Name+"}", fmt.Sprint(p.Example))
		}
	}
	if strings.Contains(target, "{") {
		t.Fatalf("%s: a path parameter has no example in the spec", target)
	}
	return target
}

// exampleSpec is the spec exampleTarget reads, loaded once.
var exampleSpec = sync.OnceValue(func() *openapi3.T {
	doc, err := openapi.Load()
	if err != nil {
		panic(err)
	}
	return doc
})

// TestQueryParameterInTheWrongCaseIsRefusedWithTheRightSpelling: a client
// that writes limit or dryrun learns the right spelling, rather than a page
// of another size or a change it meant to preview.
func TestQueryParameterInTheWrongCaseIsRefusedWithTheRightSpelling(t *testing.T) {
	cases := []struct{ method, target, body, parameter, suggestion string }{
		{"GET", "/pools?limit=5", "", "limit", `did you mean "Limit"?`},
		{"GET", "/pools/" + poolID + "/users?nexttoken=abc&Limit=5", "", "nexttoken", `did you mean "NextToken"?`},
		{"PATCH", "/pools/" + poolID + "/groups/admins?dryrun=true", `{"Description": "x"}`, "dryrun", `did you mean "dryRun"?`},
		{"GET", "/pools?Limit=5&Bogus=1", "", "Bogus", `takes`},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			stub := cognitotest.New(t)
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/merge-patch+json")
			}
			rec, p := serveProblem(t, newTestGateway(t, stub), req)
			if rec.Code != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Parameter != tc.parameter ||
				!strings.HasSuffix(p.Errors[0].Message, tc.suggestion) {
				t.Errorf("%d %+v; want 400 for %s ending %q", rec.Code, p.Errors, tc.parameter, tc.suggestion)
			}
			if calls := stub.Calls(); len(calls) != 0 {
				t.Errorf("Cognito called: %v", calls)
			}
		})
	}
}

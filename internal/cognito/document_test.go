package cognito

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	cipdocument "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	smithydocument "github.com/aws/smithy-go/document"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
)

// TestAppendJSONIsDocumentEncoded holds Document, AppendJSON, Member and
// StringMember to what the gateway did before them: build the document with
// reflection, trim it, and encode it. Every action's output type is filled at random, many times.
func TestAppendJSONIsDocumentEncoded(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for name, action := range Actions() {
		for range 60 {
			out := reflect.New(action.Output)
			fill(r, out.Elem(), 4)
			v := out.Interface()
			tree, _ := referenceDocument(v).(map[string]any)
			if got := Document(v); !reflect.DeepEqual(got, any(tree)) {
				t.Fatalf("%s: Document\n%v\nwant\n%v", name, got, tree)
			}
			for _, escapeHTML := range []bool{true, false} {
				assertEncodes(t, name, v, Filter{}, tree, escapeHTML)
				members := slices.Sorted(func(yield func(string) bool) {
					for i := range action.Output.NumField() {
						if !yield(action.Output.Field(i).Name) {
							return
						}
					}
				})
				pick := func() []string {
					var some []string
					for _, m := range members {
						if r.IntN(3) == 0 {
							some = append(some, m)
						}
					}
					return some
				}
				assertEncodes(t, name, v, Filter{Only: pick(), Omit: pick()}, tree, escapeHTML)
				assertEncodes(t, name, v, Filter{Omit: pick()}, tree, escapeHTML)
			}
			for member, want := range tree {
				got, ok := Member(v, member)
				if !ok || !reflect.DeepEqual(referenceDocument(got), want) {
					t.Fatalf("%s: Member(%s) = %v, %v; want %v", name, member, got, ok, want)
				}
				s, isString := StringMember(v, member)
				if wantString, want := want.(string); isString != want || s != wantString {
					t.Fatalf("%s: StringMember(%s) = %q, %v", name, member, s, isString)
				}
			}
			for i := range action.Output.NumField() {
				member := action.Output.Field(i).Name
				if _, inTree := tree[member]; !inTree {
					if _, ok := Member(v, member); ok {
						t.Fatalf("%s: Member(%s) is set, but Document leaves it out", name, member)
					}
				}
			}
		}
	}
}

func assertEncodes(t *testing.T, action string, v any, f Filter, tree map[string]any, escapeHTML bool) {
	t.Helper()
	trimmed := map[string]any{}
	for k, item := range tree {
		if f.Keeps(k) {
			trimmed[k] = item
		}
	}
	want, wantErr := canonjson.Append(nil, trimmed, escapeHTML)
	got, err := AppendJSON(nil, v, f, escapeHTML)
	if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
		t.Fatalf("%s, %+v, escapeHTML=%v:\n got %s (%v)\nwant %s (%v)", action, f, escapeHTML, got, err, want, wantErr)
	}
}

func TestAppendMembersReportsEachMember(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for range 100 {
		pool := reflect.New(reflect.TypeFor[types.UserPoolType]())
		fill(r, pool.Elem(), 4)
		whole, _ := AppendJSON(nil, pool.Interface(), Filter{}, false)
		var spans []string
		got, err := AppendMembers(nil, pool.Interface(), Filter{}, false, func(name string, start, end int) {
			spans = append(spans, string(whole[start:end]))
		})
		if err != nil || !bytes.Equal(got, whole) {
			t.Fatalf("AppendMembers wrote %s, AppendJSON %s", got, whole)
		}
		if rejoined := "{" + strings.Join(spans, ",") + "}"; rejoined != string(whole) {
			t.Fatalf("members %q do not make up %s", spans, whole)
		}
	}
}

func TestAppendListKeepsWhatKeepAccepts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for range 50 {
		out := reflect.New(Actions()["ListUserPools"].Output)
		fill(r, out.Elem(), 4)
		pools, _ := Member(out.Interface(), "UserPools")
		keep := func(item any) bool { id, _ := StringMember(item, "Id"); return len(id)%2 == 0 }
		got, err := AppendList(nil, pools, keep, Filter{}, false)
		if err != nil {
			t.Fatal(err)
		}
		list, _ := referenceDocument(pools).([]any)
		kept := []any{}
		for _, item := range list {
			if id, _ := item.(map[string]any)["Id"].(string); len(id)%2 == 0 {
				kept = append(kept, item)
			}
		}
		if want, _ := canonjson.Append(nil, kept, false); !bytes.Equal(got, want) {
			t.Fatalf("got %s\nwant %s", got, want)
		}
		all, err := AppendList(nil, pools, nil, Filter{}, false)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := AppendList(nil, pools, func(any) bool { return true }, Filter{}, false); !bytes.Equal(all, want) {
			t.Fatalf("with no keep, got %s\nwant %s", all, want)
		}
	}
}

// referenceDocument is Document as it was written before plans: the
// definition the plans are held to.
func referenceDocument(v any) any {
	out, _ := refDocument(reflect.ValueOf(v))
	return out
}

// refDocument returns the value and whether it is set.
func refDocument(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Invalid:
		return nil, false
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		if m, ok := v.Interface().(smithydocument.Marshaler); ok {
			// A free-form document: its JSON, numbers as written.
			encoded, _ := m.MarshalSmithyDocument()
			tree, _ := decodeExact(encoded)
			return tree, true
		}
		return refDocument(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).UTC().Format(time.RFC3339), true
		}
		return refStructDocument(v), true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(v.Bytes()), true // as encoding/json writes a []byte
		}
		list := make([]any, 0, v.Len())
		for i := range v.Len() {
			if item, ok := refDocument(v.Index(i)); ok {
				list = append(list, item)
			}
		}
		return list, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		m := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			if item, ok := refDocument(iter.Value()); ok {
				m[iter.Key().String()] = item
			}
		}
		return m, true
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return nil, false
}

func refStructDocument(v reflect.Value) map[string]any {
	t := v.Type()
	m := make(map[string]any, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Type == metadataType {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.String && fv.Len() == 0 {
			continue // an enum Cognito did not return
		}
		if item, ok := refDocument(fv); ok {
			m[f.Name] = item
		}
	}
	return m
}

// fill sets v to random values of the shapes Cognito returns, unset members
// and empty enums included.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if depth == 0 || r.IntN(4) == 0 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(r, v.Elem(), depth-1)
	case reflect.Struct:
		if v.Type() == timeType {
			zone := time.FixedZone("x", 3600*(r.IntN(5)-2))
			v.Set(reflect.ValueOf(time.Unix(r.Int64N(2e9), 0).In(zone)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && v.Type().Field(i).Type != metadataType {
				fill(r, v.Field(i), depth)
			}
		}
	case reflect.Slice:
		if depth == 0 || r.IntN(4) == 0 {
			return
		}
		s := reflect.MakeSlice(v.Type(), r.IntN(4), 4)
		for i := range s.Len() {
			fill(r, s.Index(i), depth-1)
		}
		v.Set(s)
	case reflect.Map:
		if depth == 0 || r.IntN(4) == 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range r.IntN(4) {
			k := reflect.New(v.Type().Key()).Elem()
			fill(r, k, depth-1)
			e := reflect.New(v.Type().Elem()).Elem()
			fill(r, e, depth-1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.String:
		words := []string{"", "", "ACTIVE", "us-east-1_Example1", "<b>&amp;", "é\u2028", "\x01\"\\"}
		v.SetString(words[r.IntN(len(words))])
	case reflect.Interface:
		if v.Type() == documentType && depth > 0 && r.IntN(4) != 0 {
			documents := []any{
				map[string]any{"n": smithydocument.Number("12345678901234567890"), "f": smithydocument.Number("0.1")},
				[]any{nil, true, "<é>", map[string]any{}},
				"plain",
			}
			v.Set(reflect.ValueOf(cipdocument.NewLazyDocument(documents[r.IntN(len(documents))])))
		}
	case reflect.Uint8:
		v.SetUint(r.Uint64N(256))
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(r.Int64N(1000) - 10)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(r.NormFloat64() * 1e6)
	}
}

package canonjson

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// stdlibJSON is what encoding/json writes for v: json.Marshal with HTML
// escaping, or an Encoder without it, less the Encoder's newline.
func stdlibJSON(t testing.TB, v any, escapeHTML bool) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func assertSameJSON(t testing.TB, v any) {
	t.Helper()
	for _, escapeHTML := range []bool{true, false} {
		got, err := Append(nil, v, escapeHTML)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if want := stdlibJSON(t, v, escapeHTML); !bytes.Equal(got, want) {
			t.Fatalf("escapeHTML=%v\n got %s\nwant %s", escapeHTML, got, want)
		}
	}
}

// negativeZero is -0: the literal -0.0 is a constant expression, and Go's
// constants have no negative zero, so it would be +0.
var negativeZero = math.Copysign(0, -1)

// TestAppendIsEncodingJSON pins the encoder of answers and ETags to
// encoding/json byte for byte: an ETag that changed with it would fail every
// If-Match issued before.
func TestAppendIsEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, "", "plain", `quote " backslash \ slash /`,
		"<script>&amp;</script>", "\b\f\n\r\t\x00\x1f\x7f", "\u2028\u2029", "caf\u00e9 \U0001F600",
		"bad \xff utf-8 \xc3", int64(0), int64(-42), int64(math.MaxInt64), 7,
		0.0, negativeZero, 1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, -3.4e-9, 1763700000.123,
		[]any{}, []any(nil), map[string]any{}, map[string]any(nil),
		map[string]any{"b": 1.0, "a": []any{"x", nil, map[string]any{"&": "<>"}}, "": false},
		[]string{"a", "<b>"}, map[string]string{"z": "y"},
	}
	for _, v := range values {
		assertSameJSON(t, v)
	}
	for _, name := range []string{"DescribeUserPool", "ListUsers"} {
		raw, err := os.ReadFile("../benchmark/answers/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var tree any
		if err := json.Unmarshal(raw, &tree); err != nil {
			t.Fatal(err)
		}
		assertSameJSON(t, tree)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		assertSameJSON(t, randomTree(r, 4))
	}
}

func TestAppendRefusesWhatEncodingJSONRefuses(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), map[string]any{"a": math.Inf(-1)}} {
		if _, err := Append(nil, v, true); err == nil {
			t.Errorf("%v: no error", v)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a<b>&c", "\u2028", "\xff\xfe", "\x00\"\\", "\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		assertSameJSON(t, s)
		assertSameJSON(t, map[string]any{s: s})
	})
}

func randomTree(r *rand.Rand, depth int) any {
	kind := r.IntN(9)
	if depth == 0 && kind >= 7 {
		kind = r.IntN(7)
	}
	switch kind {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return randomString(r)
	case 3:
		return r.Int64N(1<<40) - 1<<39
	case 4:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(50)-25))
	case 5:
		return float64(r.IntN(1000))
	case 6:
		return randomString(r)
	case 7:
		list := make([]any, r.IntN(5))
		for i := range list {
			list[i] = randomTree(r, depth-1)
		}
		return list
	}
	m := map[string]any{}
	for range r.IntN(6) {
		m[randomString(r)] = randomTree(r, depth-1)
	}
	return m
}

func randomString(r *rand.Rand) string {
	alphabet := []string{"a", "Z", "0", " ", "<", ">", "&", "\"", "\\", "\n", "\x01", "\x7f",
		"é", "\u2028", "\U0001F600", "\xff", "/"}
	var b []byte
	for range r.IntN(8) {
		b = append(b, alphabet[r.IntN(len(alphabet))]...)
	}
	return string(b)
}

package redact

import "testing"

// FuzzMayHoldSecret holds the shortcut in String to the patterns it skips:
// whatever it rules out, the patterns leave alone.
func FuzzMayHoldSecret(f *testing.F) {
	for _, s := range []string{
		"request", "ListUsers", "us-east-1_Example1", `{"Password":"x"}`, "bearer abc",
		"PASSWORD=x", "ſession=x", "AccessToKen=x", "basic\tx", "Sess ion=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !mayHoldSecret(s) && mask(s) != s {
			t.Errorf("mayHoldSecret(%q) is false, but the patterns mask it to %q", s, mask(s))
		}
	})
}

func TestUnicodeCaseFoldingStillMasks(t *testing.T) {
	// 'ſ' folds to 's' and the Kelvin sign to 'k' in the patterns.
	for _, s := range []string{`{"ſession":"abc123"}`, "x AccessToKen=abc123"} {
		if got := String(s); got == s {
			t.Errorf("String(%q) masked nothing", s)
		}
	}
}

package userfilter

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		filter string
		ok     bool
	}{
		{``, true},
		{`email = "a@example.com"`, true},
		{`email="a@example.com"`, true},
		{`family_name ^= "Mül"`, true},
		{`cognito:user_status = "FORCE_CHANGE_PASSWORD"`, true},
		{`name = "say \"hi\""`, true},
		{`username = ""`, true},
		{`custom:tenant = "x"`, false},
		{`email != "a"`, false},
		{`email = a`, false},
		{`email = "a`, false},
		{`email = "a" or 1=1`, false},
		{`email`, false},
		{`= "a"`, false},
	}
	for _, c := range cases {
		err := Check(c.filter)
		if (err == nil) != c.ok {
			t.Errorf("Check(%q) = %v, want ok=%v", c.filter, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "preferred_username") {
			t.Errorf("Check(%q): %v does not name the allowed attributes", c.filter, err)
		}
	}
}

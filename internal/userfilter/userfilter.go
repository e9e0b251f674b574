// Package userfilter checks a ListUsers Filter before Cognito sees it, so a
// mistake is a 400 that says what is allowed instead of Cognito's terse
// InvalidParameterException.
//
// The grammar is Cognito's: `attribute = "value"` (exact match) or
// `attribute ^= "value"` (prefix match), on one of the attributes Cognito can
// filter on. Inside the quotes, a backslash escapes the next character.
package userfilter

import (
	"fmt"
	"strings"
)

// Attributes are the attributes Cognito's ListUsers can filter on.
var Attributes = []string{
	"username", "email", "phone_number", "name", "given_name", "family_name",
	"preferred_username", "cognito:user_status", "status", "sub",
}

// Check returns nil if filter is empty or well formed, or an error that
// explains the grammar and names the allowed attributes.
func Check(filter string) error {
	if filter == "" {
		return nil
	}
	rest := strings.TrimLeft(filter, " ")
	end := strings.IndexAny(rest, " ^=")
	if end <= 0 {
		return grammarError()
	}
	attribute := rest[:end]
	if !allowed(attribute) {
		return fmt.Errorf("cannot filter on %q: the filterable attributes are %s", attribute, strings.Join(Attributes, ", "))
	}
	rest = strings.TrimLeft(rest[end:], " ")
	switch {
	case strings.HasPrefix(rest, "^="):
		rest = rest[2:]
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	default:
		return grammarError()
	}
	rest = strings.TrimLeft(rest, " ")
	if len(rest) < 2 || rest[0] != '"' {
		return grammarError()
	}
	for i := 1; i < len(rest); i++ {
		switch rest[i] {
		case '\\':
			i++
		case '"':
			if strings.TrimRight(rest[i+1:], " ") != "" {
				return grammarError()
			}
			return nil
		}
	}
	return grammarError()
}

func allowed(attribute string) bool {
	for _, a := range Attributes {
		if a == attribute {
			return true
		}
	}
	return false
}

func grammarError() error {
	return fmt.Errorf(`a filter is attribute = "value" or attribute ^= "value", with attribute one of %s`,
		strings.Join(Attributes, ", "))
}

package usermatch

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	filter "github.com/scim2/filter-parser/v2"
)

// The rules of the pre-filter. Cognito's ListUsers Filter is one term,
// `attribute = "value"` or `attribute ^= "value"`, on a few standard
// attributes. A term of the SCIM filter can become it only when the whole
// filter implies that term: the whole filter is that term, or the term is
// one side of a top-level `and` (however the ands nest). A term under `or`
// or `not` never does, since users the term refuses may still match.
//
// SCIM compares strings ignoring case; Cognito's reference calls `username`
// and `status` case-sensitive, and its versions disagree about the others.
// So a term is sent only in a form that cannot lose a user, whatever case
// Cognito applies:
//
//   - eq on username, email, phone_number, name, given_name, family_name,
//     preferred_username: `=` with the value, when no character of it has
//     another case ("+15550100"); else `^=` with its longest such prefix
//     ("42Bob" sends `^= "42"`); else nothing;
//   - sw on the same attributes: `^=` with that prefix, or nothing;
//   - eq on sub: `=` with the value in lower case, since Cognito writes
//     every sub as a lower-case UUID;
//   - eq on status (cognito:user_status): `=` with the UserStatus it names in
//     Cognito's spelling (upper case), when it names one; a status Cognito
//     does not have sends nothing, and Match finds no user;
//   - eq and ne on enabled: `status = "Enabled"` or `status = "Disabled"`;
//   - nothing else (co, ew, gt, pr, custom attributes, groups, dates...).
//
// Of several such terms, one is sent: an exact one before a prefix, a
// longer value before a shorter one, and status or enabled, which select
// large parts of a pool, last. A term whose Filter would pass Cognito's
// 256-character bound is not sent.

// searchable are the attributes whose values the pre-filter sends as they
// are, or by their caseless prefix.
var searchable = map[string]bool{
	"username": true, "email": true, "phone_number": true, "name": true,
	"given_name": true, "family_name": true, "preferred_username": true,
}

// maxFilter is the bound of ListUsers' Filter (UserFilterType).
const maxFilter = 256

// candidate is one term the pre-filter could send, with its rank.
type candidate struct {
	filter string
	rank   int
}

func prefilter(expression filter.Expression) string {
	best := candidate{}
	for _, term := range implied(expression, nil) {
		c, ok := translate(term)
		if ok && c.rank > best.rank && utf8.RuneCountInString(c.filter) <= maxFilter {
			best = c
		}
	}
	return best.filter
}

// implied lists the terms that the whole of expression implies: itself, or
// the terms of the sides of its top-level ands.
func implied(expression filter.Expression, terms []*filter.AttributeExpression) []*filter.AttributeExpression {
	switch e := expression.(type) {
	case *filter.AttributeExpression:
		return append(terms, e)
	case *filter.LogicalExpression:
		if strings.EqualFold(string(e.Operator), string(filter.AND)) {
			return implied(e.Right, implied(e.Left, terms))
		}
	}
	return terms
}

// The ranks: within a kind, a longer value ranks higher.
const (
	rankStatus = 1
	rankPrefix = 10
	rankExact  = 1000
)

func translate(term *filter.AttributeExpression) (candidate, bool) {
	path := term.AttributePath
	if path.SubAttribute != nil {
		return candidate{}, false
	}
	name := strings.ToLower(path.AttributeName)
	if uri := path.URI(); uri != "" {
		name = strings.ToLower(uri) + ":" + name
	}
	operator := filter.CompareOperator(strings.ToLower(string(term.Operator)))
	raw, isString := term.CompareValue.(string)
	value, err := unescape(raw)
	if isString && err != nil {
		return candidate{}, false
	}

	switch {
	case name == nameEnabled && (operator == filter.EQ || operator == filter.NE):
		enabled, ok := term.CompareValue.(bool)
		if !ok {
			return candidate{}, false
		}
		if operator == filter.NE {
			enabled = !enabled
		}
		state := "Disabled"
		if enabled {
			state = "Enabled"
		}
		return candidate{filter: cognitoTerm("status", "=", state), rank: rankStatus}, true
	case !isString || value == "":
		// Cognito keeps no empty attribute, so an empty value is left to
		// Match rather than sent.
		return candidate{}, false
	case (name == nameStatus || name == nameUserStatus) && operator == filter.EQ:
		for _, status := range types.UserStatusType("").Values() {
			if strings.EqualFold(string(status), value) {
				return candidate{filter: cognitoTerm(nameUserStatus, "=", string(status)), rank: rankStatus}, true
			}
		}
		return candidate{}, false
	case name == "sub" && operator == filter.EQ:
		return candidate{filter: cognitoTerm("sub", "=", strings.ToLower(value)), rank: rankExact + len(value)}, true
	case !searchable[name]:
		return candidate{}, false
	}

	prefix := caselessPrefix(value)
	switch {
	case operator == filter.EQ && prefix == value:
		return candidate{filter: cognitoTerm(name, "=", value), rank: rankExact + len(value)}, true
	case (operator == filter.EQ || operator == filter.SW) && prefix != "":
		return candidate{filter: cognitoTerm(name, "^=", prefix), rank: rankPrefix + len(prefix)}, true
	}
	return candidate{}, false
}

// cognitoTerm writes one term of Cognito's grammar, where a backslash
// escapes the next character inside the quotes.
func cognitoTerm(name, operator, value string) string {
	escaped := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(value)
	return name + " " + operator + ` "` + escaped + `"`
}

// caselessPrefix is the longest prefix of s whose characters have no other
// case, so that any case-sensitive comparison of it agrees with a
// case-insensitive one.
func caselessPrefix(s string) string {
	for i, r := range s {
		if unicode.SimpleFold(r) != r {
			return s[:i]
		}
	}
	return s
}

// fold maps s to one spelling of all its case variants: each character
// becomes the smallest of the characters Unicode's simple case folding
// makes equal to it, so that fold(a) == fold(b) exactly when
// strings.EqualFold(a, b), and prefixes and substrings agree too.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, s)
}

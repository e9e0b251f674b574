// Package usermatch selects a pool's users with a SCIM filter (RFC 7644,
// section 3.4.2.2), which says far more than Cognito's own ListUsers Filter:
// any attribute, custom ones included, every SCIM operator, and, or, not and
// parentheses, with strings compared ignoring case.
//
// It owns the meaning of such a filter: Parse checks it, Match evaluates it
// on one user, and CognitoFilter derives the part of it that Cognito's
// ListUsers Filter can pre-select, so that a job lists fewer users. It does
// not list users or call Cognito: the job that does calls Match on every user
// it lists, pre-filtered or not.
//
// The parser is github.com/scim2/filter-parser/v2, the one the SCIM routes
// use through github.com/elimity-com/scim, so that the project has one
// reading of SCIM's grammar. In that grammar `custom:tier` is an attribute
// path whose URI prefix is `custom`: the prefix and the name are joined
// back into Cognito's attribute name, so `custom:tier`, `dev:custom:tier`
// and `cognito:user_status` all name what Cognito calls them. An attribute
// name starts with a letter and goes on with letters, digits, '-' and '_'
// (SCIM's ATTRNAME), which every name Cognito gives a standard attribute
// follows; a custom attribute named otherwise cannot be filtered on.
//
// What a filter can name:
//
//   - any user attribute by its Cognito name: email, custom:tier, sub, ...
//     A string; `gt`, `ge`, `lt` and `le` compare it as a number when the
//     filter gives a number (`custom:age ge 18`) and lexicographically,
//     ignoring case, when it gives a string. `email_verified eq true` compares
//     it with "true";
//   - username: the user's Username;
//   - status (and cognito:user_status, its Cognito name): the UserStatus,
//     such as CONFIRMED or FORCE_CHANGE_PASSWORD, as a string;
//   - enabled: a boolean, with eq, ne and pr only;
//   - groups: the names of the user's groups. `groups eq "admins"` is true
//     when one of them is "admins" (so are co, sw, ew, gt, ge, lt and le,
//     each on some group); `groups ne "admins"` is true when none of them
//     is, so that it means `not (groups eq "admins")`; `groups pr` when the
//     user is in a group at all;
//   - created and modified: UserCreateDate and UserLastModifiedDate, as
//     dates: eq, ne, gt, ge, lt, le with an RFC 3339 value in quotes, and pr.
//
// Attribute names and operators ignore case, as SCIM says. `pr` is true when
// the attribute has a non-empty value; `ne` is `not eq`, so it is true of a
// user who lacks the attribute. Sub-attributes (`name.givenName`), value
// paths (`emails[type eq "work"]`) and null are refused: Cognito's
// attributes are flat strings, and `pr` already says whether one is set.
package usermatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/q-uint/parser"
	filter "github.com/scim2/filter-parser/v2"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// User is what a filter can see of a user: what ListUsers gives, plus the
// user's groups, which ListUsers does not give. Fill Groups (with
// AdminListGroupsForUser) only when the Matcher's NeedsGroups says so: a
// filter that does not name groups never reads them, and a call per user
// would spend the quota a job has.
type User struct {
	Username string
	// Attributes maps each attribute's Cognito name (email, custom:tier) to
	// its value.
	Attributes map[string]string
	// Status is the UserStatus, such as CONFIRMED.
	Status   string
	Enabled  bool
	Created  time.Time
	Modified time.Time
	Groups   []string
}

// FromCognito is the User that one of ListUsers' users is, without groups.
func FromCognito(u types.UserType) User {
	user := User{
		Username:   deref(u.Username),
		Attributes: make(map[string]string, len(u.Attributes)),
		Status:     string(u.UserStatus),
		Enabled:    u.Enabled,
	}
	for _, a := range u.Attributes {
		user.Attributes[deref(a.Name)] = deref(a.Value)
	}
	if u.UserCreateDate != nil {
		user.Created = *u.UserCreateDate
	}
	if u.UserLastModifiedDate != nil {
		user.Modified = *u.UserLastModifiedDate
	}
	return user
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Matcher is a parsed filter. It is safe for concurrent use: a job's
// workers can share one.
type Matcher struct {
	root        node
	needsGroups bool
	attributes  []string
	prefilter   string
}

// Match reports whether u is one of the users the filter selects.
func (m *Matcher) Match(u User) bool { return m.root.match(&u) }

// NeedsGroups reports whether the filter names groups, so that Match needs
// User.Groups filled in. When it is false, Match never reads them.
func (m *Matcher) NeedsGroups() bool { return m.needsGroups }

// Attributes lists the user attributes the filter names (username, status,
// enabled, groups, created and modified aside), as the filter spells them,
// each once. A misspelt attribute is absent from every user, so that
// `not (custom:tyer eq "gold")` selects the whole pool: a caller about to
// act on users should check these names against the pool's schema
// (DescribeUserPool's SchemaAttributes) first.
func (m *Matcher) Attributes() []string { return m.attributes }

// CognitoFilter is a ListUsers Filter that selects every user the filter
// selects, and usually fewer others, or "" when no part of the filter can be
// said in Cognito's terms. Match must still be called on every user listed
// with it. The rules are in prefilter.go.
func (m *Matcher) CognitoFilter() string { return m.prefilter }

// Parse reads filter. Its error is a 400 (problem.CodeValidation) with one
// violation at the pointer /Filter, the member of a job request that carries
// the filter: a caller that took the filter from elsewhere rewrites
// Violations[0].Pointer or Parameter. The message gives the position (in
// characters, from 1) and what the parser expected there, as far as it says,
// or the term whose meaning is refused and why.
func Parse(text string) (*Matcher, error) {
	trimmed := strings.TrimLeft(text, " ")
	lead := utf8.RuneCountInString(text) - utf8.RuneCountInString(trimmed)
	trimmed = strings.TrimRight(trimmed, " ")
	if trimmed == "" {
		return nil, invalid("Filter is empty: give an expression such as " + example)
	}
	expression, err := filter.ParseFilter([]byte(trimmed))
	if err != nil {
		return nil, invalid(syntaxMessage(trimmed, lead, err))
	}
	c := compiler{seen: map[string]bool{}}
	root, err := c.compile(expression)
	if err != nil {
		return nil, err
	}
	return &Matcher{
		root:        root,
		needsGroups: c.needsGroups,
		attributes:  c.attributes,
		prefilter:   prefilter(expression),
	}, nil
}

const example = `custom:tier eq "gold" and not (groups eq "admins")`

func invalid(message string) *problem.Error {
	return problem.Validation([]problem.Violation{{Pointer: "/Filter", Message: message}})
}

// syntaxMessage turns the parser's error into a position and an
// expectation a person can act on. The parser reports where the construct
// it could not finish began and ends at the rune it refused; it names what
// it expected only as a grammar rule, so the rules a filter can fail on are
// put in words here.
func syntaxMessage(text string, lead int, err error) string {
	var conflict *parser.ExpectedParseError
	if !errors.As(err, &conflict) {
		return "Filter cannot be parsed as a SCIM filter (RFC 7644, section 3.4.2.2): " + err.Error()
	}
	row, column := conflict.Conflict.Position()
	end := runeOffset(text, row, column)
	start := max(end-utf8.RuneCountInString(conflict.String)+1, 0)
	near := string([]rune(text)[start:])
	if utf8.RuneCountInString(near) > 40 {
		near = string([]rune(near)[:40]) + "…"
	}
	return fmt.Sprintf("Filter cannot be parsed at character %d (%q): expected %s", lead+start+1, near, expectation(conflict.Expected))
}

// runeOffset is the offset, in runes, of the parser's row and column, which
// count from 0.
func runeOffset(text string, row, column int) int {
	offset := 0
	for _, r := range text {
		if row == 0 {
			break
		}
		offset++
		if r == '\n' {
			row--
		}
	}
	return offset + column
}

func expectation(expected any) string {
	switch v := expected.(type) {
	case rune:
		if v == parser.EOD {
			return `the end of the filter, or "and" or "or" followed by an expression`
		}
		return strconv.QuoteRune(v)
	case string:
		return strconv.Quote(v)
	}
	return `an expression: attribute operator value (` + example + `), attribute pr, not (...) or (...), with operators eq ne co sw ew gt ge lt le`
}

// node is one compiled part of a filter.
type node interface{ match(u *User) bool }

type and struct{ left, right node }

func (n and) match(u *User) bool { return n.left.match(u) && n.right.match(u) }

type or struct{ left, right node }

func (n or) match(u *User) bool { return n.left.match(u) || n.right.match(u) }

type not struct{ operand node }

func (n not) match(u *User) bool { return !n.operand.match(u) }

type compiler struct {
	needsGroups bool
	attributes  []string
	seen        map[string]bool
}

func (c *compiler) compile(expression filter.Expression) (node, error) {
	switch e := expression.(type) {
	case *filter.LogicalExpression:
		left, err := c.compile(e.Left)
		if err != nil {
			return nil, err
		}
		right, err := c.compile(e.Right)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(string(e.Operator), string(filter.OR)) {
			return or{left, right}, nil
		}
		return and{left, right}, nil
	case *filter.NotExpression:
		operand, err := c.compile(e.Expression)
		if err != nil {
			return nil, err
		}
		return not{operand}, nil
	case *filter.AttributeExpression:
		return c.compare(e)
	case *filter.ValuePath:
		return nil, invalid(fmt.Sprintf("Filter: %s: value paths ([...]) are not supported: a Cognito attribute is a single string", e))
	}
	return nil, problem.Internal(fmt.Errorf("usermatch: unexpected expression %T", expression))
}

// The names a filter gives the user's own fields, rather than attributes.
const (
	nameUsername   = "username"
	nameStatus     = "status"
	nameUserStatus = "cognito:user_status"
	nameEnabled    = "enabled"
	nameGroups     = "groups"
	nameCreated    = "created"
	nameModified   = "modified"
)

func (c *compiler) compare(e *filter.AttributeExpression) (node, error) {
	term := e.String()
	refuse := func(why string) (node, error) {
		return nil, invalid(fmt.Sprintf("Filter: %s: %s", term, why))
	}
	if e.AttributePath.SubAttribute != nil {
		return refuse("sub-attributes are not supported: a Cognito attribute is a single string")
	}
	name := e.AttributePath.AttributeName
	if uri := e.AttributePath.URI(); uri != "" {
		name = uri + ":" + name
	}
	operator := filter.CompareOperator(strings.ToLower(string(e.Operator)))
	value := e.CompareValue
	if s, ok := value.(string); ok {
		unquoted, err := unescape(s)
		if err != nil {
			return refuse("the value is not a valid string")
		}
		value = unquoted
	}
	if value == nil && operator != filter.PR {
		return refuse("null is not supported: use pr, or not (... pr)")
	}

	switch strings.ToLower(name) {
	case nameEnabled:
		return enabledTerm(operator, value, refuse)
	case nameCreated:
		return dateTerm(operator, value, func(u *User) time.Time { return u.Created }, refuse)
	case nameModified:
		return dateTerm(operator, value, func(u *User) time.Time { return u.Modified }, refuse)
	case nameGroups:
		c.needsGroups = true
		return groupsTerm(operator, value, refuse)
	case nameUsername:
		return stringTerm(operator, value, func(u *User) (string, bool) { return u.Username, true }, refuse)
	case nameStatus, nameUserStatus:
		return stringTerm(operator, value, func(u *User) (string, bool) { return u.Status, true }, refuse)
	}
	if !c.seen[name] {
		c.seen[name] = true
		c.attributes = append(c.attributes, name)
	}
	return stringTerm(operator, value, func(u *User) (string, bool) { return attribute(u, name) }, refuse)
}

// unescape decodes the escapes the parser leaves in a string value: the
// grammar is JSON's, so JSON's decoder reads it.
func unescape(raw string) (string, error) {
	var s string
	err := json.Unmarshal([]byte(`"`+raw+`"`), &s)
	return s, err
}

// attribute finds a user's attribute by name, ignoring case as SCIM says,
// while an exact spelling costs one map lookup.
func attribute(u *User, name string) (string, bool) {
	if v, ok := u.Attributes[name]; ok {
		return v, true
	}
	for k, v := range u.Attributes {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

type refusal func(why string) (node, error)

type predicate func(u *User) bool

func (p predicate) match(u *User) bool { return p(u) }

func enabledTerm(operator filter.CompareOperator, value any, refuse refusal) (node, error) {
	if operator == filter.PR {
		return predicate(func(*User) bool { return true }), nil
	}
	want, ok := value.(bool)
	if !ok || (operator != filter.EQ && operator != filter.NE) {
		return refuse("enabled is a boolean: use enabled eq true, enabled eq false, or ne")
	}
	equal := operator == filter.EQ
	return predicate(func(u *User) bool { return (u.Enabled == want) == equal }), nil
}

func dateTerm(operator filter.CompareOperator, value any, date func(*User) time.Time, refuse refusal) (node, error) {
	if operator == filter.PR {
		return predicate(func(u *User) bool { return !date(u).IsZero() }), nil
	}
	var ordered func(c int) bool
	switch operator {
	case filter.EQ:
		ordered = func(c int) bool { return c == 0 }
	case filter.NE:
		ordered = func(c int) bool { return c != 0 }
	case filter.GT:
		ordered = func(c int) bool { return c > 0 }
	case filter.GE:
		ordered = func(c int) bool { return c >= 0 }
	case filter.LT:
		ordered = func(c int) bool { return c < 0 }
	case filter.LE:
		ordered = func(c int) bool { return c <= 0 }
	default:
		return refuse("a date takes eq, ne, gt, ge, lt, le or pr")
	}
	text, _ := value.(string)
	want, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return refuse(`a date is compared with an RFC 3339 date in quotes, such as "2024-05-01T00:00:00Z"`)
	}
	return predicate(func(u *User) bool {
		got := date(u)
		if got.IsZero() {
			return operator == filter.NE
		}
		return ordered(got.Compare(want))
	}), nil
}

func groupsTerm(operator filter.CompareOperator, value any, refuse refusal) (node, error) {
	if operator == filter.PR {
		return predicate(func(u *User) bool { return len(u.Groups) > 0 }), nil
	}
	if _, ok := value.(string); !ok {
		return refuse(`groups are compared with a group name in quotes, such as groups eq "admins"`)
	}
	negate := operator == filter.NE
	if negate {
		operator = filter.EQ
	}
	one, err := stringTerm(operator, value, nil, refuse)
	if err != nil {
		return nil, err
	}
	test := one.(stringCompare)
	return predicate(func(u *User) bool {
		for _, g := range u.Groups {
			if test.holds(g) {
				return !negate
			}
		}
		return negate
	}), nil
}

// stringCompare compares a string the user has with the filter's value,
// folded once here so that each user costs one fold of its own value.
type stringCompare struct {
	operator filter.CompareOperator
	read     func(u *User) (string, bool)
	folded   string
	number   float64
	isNumber bool
}

func stringTerm(operator filter.CompareOperator, value any, read func(*User) (string, bool), refuse refusal) (node, error) {
	c := stringCompare{operator: operator, read: read}
	if operator == filter.PR {
		return c, nil
	}
	switch v := value.(type) {
	case string:
		c.folded = fold(v)
	case bool:
		if operator != filter.EQ && operator != filter.NE {
			return refuse("true and false take eq or ne only")
		}
		c.folded = fold(strconv.FormatBool(v))
	case int:
		c.number, c.isNumber = float64(v), true
	case float64:
		c.number, c.isNumber = v, true
	default:
		return refuse("the value is not a string, a number or a boolean")
	}
	if c.isNumber {
		switch operator {
		case filter.CO, filter.SW, filter.EW:
			return refuse("co, sw and ew take a string: put the number in quotes")
		}
	}
	return c, nil
}

func (c stringCompare) match(u *User) bool {
	got, ok := c.read(u)
	if c.operator == filter.NE {
		return !ok || !c.holdsAs(filter.EQ, got)
	}
	return ok && c.holds(got)
}

func (c stringCompare) holds(got string) bool { return c.holdsAs(c.operator, got) }

func (c stringCompare) holdsAs(operator filter.CompareOperator, got string) bool {
	if operator == filter.PR {
		return got != ""
	}
	var order int
	if c.isNumber {
		n, err := strconv.ParseFloat(strings.TrimSpace(got), 64)
		if err != nil {
			return false
		}
		order = compareFloat(n, c.number)
	} else {
		got = fold(got)
		switch operator {
		case filter.CO:
			return strings.Contains(got, c.folded)
		case filter.SW:
			return strings.HasPrefix(got, c.folded)
		case filter.EW:
			return strings.HasSuffix(got, c.folded)
		}
		order = strings.Compare(got, c.folded)
	}
	switch operator {
	case filter.EQ:
		return order == 0
	case filter.NE:
		return order != 0
	case filter.GT:
		return order > 0
	case filter.GE:
		return order >= 0
	case filter.LT:
		return order < 0
	case filter.LE:
		return order <= 0
	}
	return false
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

package scim

import (
	"net/http"
	"regexp"
	"strings"

	elimity "github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	scimfilter "github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	"github.com/scim2/filter-parser/v2"
)

// trailingSubAttribute matches Entra ID's attr[filter].sub op value, which
// RFC 7644's grammar lacks (a valuePath ends at its bracket), and which
// the library's parser therefore refuses.
var trailingSubAttribute = regexp.MustCompile(`(?i)\b([a-z][\w$-]*)\[([^\]]*)\]\.([a-z][\w$-]*)\s+(eq|ne|co|sw|ew|gt|lt|ge|le)\s+("(?:[^"\\]|\\.)*"|true|false|null|[-\d.eE+]+)`)

// rewriteFilter writes emails[type eq "work"].value eq "x" as the
// equivalent emails[type eq "work" and value eq "x"], which the grammar
// has: one element must satisfy both, as Entra ID means.
func rewriteFilter(f string) string {
	return trailingSubAttribute.ReplaceAllStringFunc(f, func(m string) string {
		p := trailingSubAttribute.FindStringSubmatch(m)
		inner := p[2]
		if strings.Contains(strings.ToLower(inner), " or ") {
			inner = "(" + inner + ")"
		}
		return p[1] + "[" + inner + " and " + p[3] + " " + p[4] + " " + p[5] + "]"
	})
}

// The attribute paths a filter may name, lowercase, with an extension's
// under its URN: those the resources carry. A filter on any other would
// be answered "none" for a reason the client cannot see (Cognito does
// not keep the attribute), so it is refused as invalidFilter instead.
var (
	userFilterPaths = pathSet("id", "externalid", "username", "active", "locale", "timezone", "nickname",
		"name.givenname", "name.familyname", "name.formatted",
		"emails", "emails.value", "emails.type", "emails.primary",
		"phonenumbers", "phonenumbers.value", "phonenumbers.type", "phonenumbers.primary",
		"meta.created", "meta.lastmodified",
		lower(EnterpriseURN)+":employeenumber", lower(EnterpriseURN)+":department",
		lower(EnterpriseURN)+":manager", lower(EnterpriseURN)+":manager.value")
	groupFilterPaths = pathSet("id", "displayname", "members", "members.value", "members.display", "meta.created", "meta.lastmodified")
)

func pathSet(paths ...string) map[string]bool {
	set := make(map[string]bool, len(paths))
	for _, p := range paths {
		set[p] = true
	}
	return set
}

func lower(s string) string { return strings.ToLower(s) }

// pathKey is an attribute path as the sets above name it.
func pathKey(p filter.AttributePath, sub string) string {
	key := lower(p.AttributeName)
	if s := p.SubAttributeName(); s != "" {
		key += "." + lower(s)
	}
	if sub != "" {
		key += "." + lower(sub)
	}
	if uri := p.URI(); uri != "" && !strings.HasSuffix(uri, ":core:2.0:User") && !strings.HasSuffix(uri, ":core:2.0:Group") {
		key = lower(uri) + ":" + key
	}
	return key
}

// answerable refuses a filter that names an attribute outside allowed.
func answerable(expr filter.Expression, allowed map[string]bool) error {
	var walk func(e filter.Expression, prefix *filter.AttributePath) bool
	walk = func(e filter.Expression, prefix *filter.AttributePath) bool {
		switch e := e.(type) {
		case *filter.AttributeExpression:
			if prefix != nil {
				return allowed[pathKey(*prefix, e.AttributePath.AttributeName)]
			}
			return allowed[pathKey(e.AttributePath, "")]
		case *filter.ValuePath:
			return allowed[pathKey(e.AttributePath, "")] && walk(e.ValueFilter, &e.AttributePath)
		case *filter.LogicalExpression:
			return walk(e.Left, prefix) && walk(e.Right, prefix)
		case *filter.NotExpression:
			return walk(e.Expression, prefix)
		}
		return false
	}
	if !walk(expr, nil) {
		return scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidFilter,
			Detail: "The filter names an attribute this service provider does not keep; see the attribute mapping."}
	}
	return nil
}

// userPrefilter is a ListUsers Filter that every user the SCIM filter
// matches also matches, when one of the filter's top-level conjuncts
// is an equality Cognito can search (username, email, sub,
// phone_number); else "", and every user is read. The SCIM filter is
// evaluated on what comes back either way.
func userPrefilter(expr filter.Expression, facts poolFacts) string {
	for _, e := range conjuncts(expr) {
		switch e := e.(type) {
		case *filter.AttributeExpression:
			value, ok := e.CompareValue.(string)
			if !ok || e.Operator != filter.EQ {
				continue
			}
			switch pathKey(e.AttributePath, "") {
			case "username":
				if facts.emailUsername {
					return cognitoEquals("email", value)
				}
				return cognitoEquals("username", value)
			case "id":
				return cognitoEquals("sub", value)
			case "emails.value", "emails":
				return cognitoEquals("email", value)
			case "phonenumbers.value", "phonenumbers":
				return cognitoEquals("phone_number", value)
			}
		case *filter.ValuePath:
			attribute := primaryFields[map[string]string{"emails": "emails", "phonenumbers": "phoneNumbers"}[lower(e.AttributePath.AttributeName)]]
			if attribute == "" {
				continue
			}
			for _, inner := range conjuncts(e.ValueFilter) {
				a, ok := inner.(*filter.AttributeExpression)
				if value, isString := a.CompareValue.(string); ok && isString && a.Operator == filter.EQ && lower(a.AttributePath.AttributeName) == "value" {
					return cognitoEquals(attribute, value)
				}
			}
		}
	}
	return ""
}

// conjuncts are the expressions a filter ANDs at its top level.
func conjuncts(expr filter.Expression) []filter.Expression {
	if and, ok := expr.(*filter.LogicalExpression); ok && and.Operator == filter.AND {
		return append(conjuncts(and.Left), conjuncts(and.Right)...)
	}
	return []filter.Expression{expr}
}

// multiValued are the multi-valued complex attributes the resources
// carry, lowercase.
var multiValuedNames = pathSet("emails", "phonenumbers", "members")

// evaluable rewrites members.value eq "x" as members[value eq "x"]: the
// library evaluates a sub-attribute of a multi-valued attribute as if the
// attribute were one object, and so never matches it.
func evaluable(expr filter.Expression) filter.Expression {
	switch e := expr.(type) {
	case *filter.AttributeExpression:
		sub := e.AttributePath.SubAttributeName()
		if sub == "" || !multiValuedNames[lower(e.AttributePath.AttributeName)] {
			return e
		}
		outer := e.AttributePath
		outer.SubAttribute = nil
		inner := *e
		inner.AttributePath = filter.AttributePath{AttributeName: sub}
		return &filter.ValuePath{AttributePath: outer, ValueFilter: &inner}
	case *filter.LogicalExpression:
		return &filter.LogicalExpression{Left: evaluable(e.Left), Operator: e.Operator, Right: evaluable(e.Right)}
	case *filter.NotExpression:
		return &filter.NotExpression{Expression: evaluable(e.Expression)}
	}
	return expr
}

// matcher is the filter of a list request, as evaluated on resources
// (filterView), or nil for none.
func matcher(params elimity.ListRequestParams, s schema.Schema, extensions ...schema.Schema) *scimfilter.Validator {
	if params.FilterValidator == nil {
		return nil
	}
	withCommon := s
	withCommon.Attributes = append(append(schema.Attributes{}, s.Attributes...), schema.CommonAttributes()...)
	v := scimfilter.NewFilterValidator(evaluable(params.FilterValidator.GetFilter()), withCommon, extensions...)
	return &v
}

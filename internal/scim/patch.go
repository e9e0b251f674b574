package scim

import (
	"net/http"
	"strings"

	elimity "github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	scimfilter "github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	"github.com/scim2/filter-parser/v2"
)

// patched is current with operations applied, as the document a PATCH
// asks for, once If-Match has held against current; Users and Groups
// differ only in their resource and schemas.
func patched(r *http.Request, current elimity.Resource, operations []elimity.PatchOperation, core schema.Schema, extensions ...schema.Schema) (map[string]any, error) {
	if err := checkIfMatch(r, current); err != nil {
		return nil, err
	}
	doc := document(current)
	for _, op := range operations {
		if err := apply(doc, op, core, extensions...); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// apply performs one PATCH operation (RFC 7644 §3.5.2) on doc, a
// resource's attributes. The library has parsed and validated it, op
// names lowercased (Entra ID sends "Replace") and "False" made a boolean;
// a path-less value, as Okta deactivates with ({"op": "replace",
// "value": {"active": false}}), is applied here, each of its members as
// if it were the path.
func apply(doc map[string]any, op elimity.PatchOperation, core schema.Schema, extensions ...schema.Schema) error {
	if op.Path != nil {
		return applyPath(doc, op.Op, *op.Path, op.Value, core, extensions)
	}
	values, ok := op.Value.(map[string]any)
	if !ok {
		return scimerrors.ScimErrorNoTarget
	}
	for key, value := range values {
		if ext := extensionOf(key, extensions); ext != nil {
			members, _ := value.(map[string]any)
			for name, v := range members {
				urn := ext.ID
				p := filter.Path{AttributePath: filter.AttributePath{URIPrefix: &urn, AttributeName: name}}
				if err := applyPath(doc, op.Op, p, v, core, extensions); err != nil {
					return err
				}
			}
			continue
		}
		p, err := filter.ParsePath([]byte(key))
		if err != nil {
			return scimerrors.ScimErrorInvalidPath
		}
		if err := applyPath(doc, op.Op, p, value, core, extensions); err != nil {
			return err
		}
	}
	return nil
}

func extensionOf(urn string, extensions []schema.Schema) *schema.Schema {
	for i := range extensions {
		if strings.EqualFold(extensions[i].ID, urn) {
			return &extensions[i]
		}
	}
	return nil
}

// applyPath applies op at p. Names are made canonical (the schema's
// spelling), so that doc keeps one key per attribute whatever case a
// client sends.
func applyPath(doc map[string]any, op string, p filter.Path, value any, core schema.Schema, extensions []schema.Schema) error {
	container, s := doc, core
	if uri := p.AttributePath.URI(); uri != "" && !strings.EqualFold(uri, core.ID) {
		ext := extensionOf(uri, extensions)
		if ext == nil {
			return scimerrors.ScimErrorInvalidPath
		}
		s = *ext
		inner, ok := doc[ext.ID].(map[string]any)
		if !ok {
			inner = map[string]any{}
			doc[ext.ID] = inner
		}
		container = inner
	}
	attr, ok := lookup(s.Attributes, p.AttributePath.AttributeName)
	if !ok {
		if strings.EqualFold(p.AttributePath.AttributeName, "externalId") {
			return setSimple(doc, op, "externalId", value)
		}
		return scimerrors.ScimErrorInvalidPath
	}
	name := attr.Name()
	sub := p.AttributePath.SubAttributeName()
	if p.SubAttribute != nil {
		sub = *p.SubAttribute
	}
	if sub != "" {
		subAttr, ok := lookup(attr.SubAttributes(), sub)
		if !ok {
			return scimerrors.ScimErrorInvalidPath
		}
		sub = subAttr.Name()
	}
	if !attr.MultiValued() {
		if sub == "" {
			if m, isMap := value.(map[string]any); isMap && op != elimity.PatchOperationRemove {
				// A complex attribute's sub-attributes merge (§3.5.2.3).
				current, _ := container[name].(map[string]any)
				if current == nil {
					current = map[string]any{}
				}
				for k, v := range m {
					current[k] = v
				}
				container[name] = current
				return nil
			}
			return setSimple(container, op, name, value)
		}
		current, _ := container[name].(map[string]any)
		if current == nil {
			current = map[string]any{}
			container[name] = current
		}
		return setSimple(current, op, sub, value)
	}
	list, _ := container[name].([]any)
	if p.ValueExpression == nil {
		container[name] = multiValued(op, list, sub, value)
		return nil
	}
	matches := scimfilter.NewFilterValidator(p.ValueExpression, schema.Schema{ID: s.ID, Attributes: attr.SubAttributes()})
	var kept []any
	matched := false
	for _, item := range list {
		element, _ := item.(map[string]any)
		if element == nil || matches.PassesFilter(element) != nil {
			kept = append(kept, item)
			continue
		}
		matched = true
		switch {
		case op == elimity.PatchOperationRemove && sub == "":
			continue // the element goes
		case sub != "":
			_ = setSimple(element, op, sub, value)
		default:
			if m, ok := value.(map[string]any); ok {
				for k, v := range m {
					element[k] = v
				}
			}
		}
		kept = append(kept, element)
	}
	if !matched && op != elimity.PatchOperationRemove {
		// Entra ID replaces emails[type eq "work"].value on a user that
		// has no work email yet: the element is made from the filter.
		element := equalities(p.ValueExpression)
		if sub != "" {
			element[sub] = value
		} else if m, ok := value.(map[string]any); ok {
			for k, v := range m {
				element[k] = v
			}
		}
		kept = append(kept, element)
	}
	container[name] = kept
	return nil
}

// multiValued applies an operation to a whole multi-valued attribute:
// add appends the values it lacks, replace sets them, remove takes out
// those listed (Entra ID's members removal), or all.
func multiValued(op string, list []any, sub string, value any) []any {
	values, ok := value.([]any)
	if !ok && value != nil {
		values = []any{value}
	}
	switch op {
	case elimity.PatchOperationRemove:
		if len(values) == 0 {
			return nil
		}
		var kept []any
		for _, item := range list {
			if !containsValue(values, item) {
				kept = append(kept, item)
			}
		}
		return kept
	case elimity.PatchOperationAdd:
		for _, v := range values {
			if !containsValue(list, v) {
				list = append(list, v)
			}
		}
		return list
	}
	if sub != "" {
		for _, item := range list {
			if element, ok := item.(map[string]any); ok {
				element[sub] = value
			}
		}
		return list
	}
	return values
}

// containsValue reports whether list holds an element with item's value
// member: the identity of an email, a phone number or a member.
func containsValue(list []any, item any) bool {
	want, _ := item.(map[string]any)
	for _, other := range list {
		m, _ := other.(map[string]any)
		if want != nil && m != nil && want["value"] != nil && want["value"] == m["value"] {
			return true
		}
	}
	return false
}

func setSimple(m map[string]any, op, name string, value any) error {
	if op == elimity.PatchOperationRemove {
		delete(m, name)
		return nil
	}
	m[name] = value
	return nil
}

// equalities are the sub-attribute = value conjuncts of a value filter,
// as an element that satisfies them.
func equalities(expr filter.Expression) map[string]any {
	element := map[string]any{}
	for _, e := range conjuncts(expr) {
		if a, ok := e.(*filter.AttributeExpression); ok && a.Operator == filter.EQ {
			element[a.AttributePath.AttributeName] = a.CompareValue
		}
	}
	return element
}

func lookup(attrs schema.Attributes, name string) (schema.CoreAttribute, bool) {
	for _, a := range attrs {
		if strings.EqualFold(a.Name(), name) {
			return a, true
		}
	}
	return schema.CoreAttribute{}, false
}

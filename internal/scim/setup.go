package scim

import (
	"context"
	"slices"
	"strings"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// CustomAttributes are the custom attributes UserFields needs, named
// as AddCustomAttributes takes them (without custom:).
func CustomAttributes() []string {
	var names []string
	for _, f := range UserFields {
		if name, ok := strings.CutPrefix(f.attribute, "custom:"); ok {
			names = append(names, name)
		}
	}
	return names
}

// Setup adds to a pool the custom attributes of the mapping that it
// lacks, mutable strings of up to 2048 characters, and returns those it
// added: none on a second call. Cognito can neither change nor remove a
// custom attribute, so one of these names that the pool has already is
// left as it is.
func Setup(ctx context.Context, cognito Cognito, poolID string) ([]string, error) {
	out, err := cognito.Call(ctx, "DescribeUserPool", map[string]any{"UserPoolId": poolID})
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	if pool := out.(*cip.DescribeUserPoolOutput).UserPool; pool != nil {
		for _, a := range pool.SchemaAttributes {
			if a.Name != nil {
				have[*a.Name] = true
			}
		}
	}
	var missing []string
	var schema []any
	for _, name := range CustomAttributes() {
		if have["custom:"+name] {
			continue
		}
		missing = append(missing, name)
		schema = append(schema, map[string]any{"Name": name, "AttributeDataType": "String", "Mutable": true,
			"StringAttributeConstraints": map[string]any{"MinLength": "0", "MaxLength": "2048"}})
	}
	if len(missing) == 0 {
		return []string{}, nil
	}
	if _, err := cognito.Call(ctx, "AddCustomAttributes", map[string]any{"UserPoolId": poolID, "CustomAttributes": schema}); err != nil {
		return nil, err
	}
	return slices.Clip(missing), nil
}

package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// schemaAttribute is the attribute name of the pool's schema, as a separate
// client reads it from DescribeUserPool.
func schemaAttribute(t *testing.T, m *motoGateway, pool, name string) *types.SchemaAttributeType {
	t.Helper()
	out, err := m.Direct.DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{UserPoolId: &pool})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range out.UserPool.SchemaAttributes {
		if aws.ToString(a.Name) == name {
			return &out.UserPool.SchemaAttributes[i]
		}
	}
	return nil
}

// TestAddCustomAttributesAgainstMoto: the attributes appear, prefixed by
// Cognito, in the pool's schema; a name the pool already has is Cognito's
// InvalidParameterException, a 400 with Cognito's message, and adds nothing.
func TestAddCustomAttributesAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "attributes")
	target := "/pools/" + pool + "/attributes"

	resp := m.do(t, "POST", target, `{"CustomAttributes": [
		{"Name": "tenant", "AttributeDataType": "String", "Mutable": true,
		 "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
		{"Name": "seats", "AttributeDataType": "Number", "Mutable": false,
		 "NumberAttributeConstraints": {"MinValue": "1", "MaxValue": "500"}}]}`, nil, nil)
	expect(t, resp, http.StatusNoContent)

	tenant := schemaAttribute(t, m, pool, "custom:tenant")
	if tenant == nil || tenant.AttributeDataType != types.AttributeDataTypeString || !aws.ToBool(tenant.Mutable) ||
		tenant.StringAttributeConstraints == nil || aws.ToString(tenant.StringAttributeConstraints.MaxLength) != "64" {
		t.Errorf("custom:tenant in the pool's schema: %+v", tenant)
	}
	seats := schemaAttribute(t, m, pool, "custom:seats")
	if seats == nil || seats.AttributeDataType != types.AttributeDataTypeNumber || aws.ToBool(seats.Mutable) ||
		seats.NumberAttributeConstraints == nil || aws.ToString(seats.NumberAttributeConstraints.MaxValue) != "500" {
		t.Errorf("custom:seats in the pool's schema: %+v", seats)
	}

	var refusal problemBody
	resp = m.do(t, "POST", target, `{"CustomAttributes": [{"Name": "tenant", "AttributeDataType": "String"}]}`, nil, &refusal)
	expect(t, resp, http.StatusBadRequest)
	if refusal.Code != "InvalidParameterException" || !strings.Contains(refusal.Detail, "custom:tenant") {
		t.Errorf("a duplicate name: %+v", refusal)
	}
}

// TestAddCustomAttributesSendsTheExactInput: the body goes to Cognito as
// it is, with the pool from the path, and the answer is an empty 204.
func TestAddCustomAttributesSendsTheExactInput(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("AddCustomAttributes", cognitotest.Reply(map[string]any{}))
	rec := serveStandIn(t, stub, "POST", "/pools/"+poolID+"/attributes",
		`{"CustomAttributes": [{"Name": "plan", "AttributeDataType": "Boolean", "DeveloperOnlyAttribute": true}]}`, nil)
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]any{"UserPoolId": poolID, "CustomAttributes": []any{
		map[string]any{"Name": "plan", "AttributeDataType": "Boolean", "DeveloperOnlyAttribute": true}}}
	if in := onlyInput(t, stub, "AddCustomAttributes"); !reflect.DeepEqual(in, want) {
		t.Errorf("AddCustomAttributes input %v, want %v", in, want)
	}
	if h := stub.Calls()[0].Header.Get("X-Amz-Target"); h != "AWSCognitoIdentityProviderService.AddCustomAttributes" {
		t.Errorf("X-Amz-Target %q", h)
	}
}

// TestAddCustomAttributesRefusesWhatCognitoWouldBeforeCallingIt: Cognito's
// limits are the spec's, so each of these is a 400 at its member and
// Cognito is never called.
func TestAddCustomAttributesRefusesWhatCognitoWouldBeforeCallingIt(t *testing.T) {
	many := make([]string, 26)
	for i := range many {
		many[i] = fmt.Sprintf(`{"Name": "a%d", "AttributeDataType": "String"}`, i)
	}
	cases := []struct{ name, body, pointer string }{
		{"26 attributes", `{"CustomAttributes": [` + strings.Join(many, ",") + `]}`, "/CustomAttributes"},
		{"none", `{"CustomAttributes": []}`, "/CustomAttributes"},
		{"a name of 21 characters", `{"CustomAttributes": [{"Name": "abcdefghijklmnopqrstu", "AttributeDataType": "String"}]}`, "/CustomAttributes/0/Name"},
		{"a name with a space", `{"CustomAttributes": [{"Name": "my plan", "AttributeDataType": "String"}]}`, "/CustomAttributes/0/Name"},
		{"no data type", `{"CustomAttributes": [{"Name": "plan"}]}`, "/CustomAttributes/0/AttributeDataType"},
		{"an unknown data type", `{"CustomAttributes": [{"Name": "plan", "AttributeDataType": "Integer"}]}`, "/CustomAttributes/0/AttributeDataType"},
		{"an unknown constraint", `{"CustomAttributes": [{"Name": "plan", "AttributeDataType": "String",
			"StringAttributeConstraints": {"Pattern": "x"}}]}`, "/CustomAttributes/0/StringAttributeConstraints/Pattern"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			req := httptest.NewRequest("POST", "/pools/"+poolID+"/attributes", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			rec, p := serveProblem(t, newTestGateway(t, stub), req)
			if rec.Code != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Pointer != tc.pointer {
				raw, _ := json.Marshal(p)
				t.Errorf("%d %s; want a 400 at %s", rec.Code, raw, tc.pointer)
			}
			if len(stub.Calls()) != 0 {
				t.Errorf("Cognito was called: %s", callNames(stub))
			}
		})
	}
}

package gateway

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

const (
	customDomain   = "auth.example.com"
	certificateARN = "arn:aws:acm:us-east-1:123456789012:certificate/a1b2c3d4-5678-90ab-cdef-example11111"
	cloudFront     = "d111111abcdef8.cloudfront.net"
)

// poolNaming is DescribeUserPool's answer for a pool with a prefix domain
// and, if custom is set, a custom domain too.
func poolNaming(custom string) map[string]any {
	pool := map[string]any{"Id": poolID, "Name": "corp", "Domain": "example-corp"}
	if custom != "" {
		pool["CustomDomain"] = custom
	}
	return map[string]any{"UserPool": pool}
}

// describedCustomDomain is DescribeUserPoolDomain's answer for a custom
// domain with every member UpdateUserPoolDomain replaces.
func describedCustomDomain() map[string]any {
	return map[string]any{"DomainDescription": map[string]any{
		"UserPoolId": poolID, "AWSAccountId": "123456789012", "Domain": customDomain,
		"CloudFrontDistribution": cloudFront, "S3Bucket": "aws-cognito-prod-example", "Status": "ACTIVE", "Version": "20250101",
		"CustomDomainConfig":  map[string]any{"CertificateArn": certificateARN},
		"ManagedLoginVersion": 2,
		"Routing":             map[string]any{"Failover": map[string]any{"PrimaryRoute53HealthCheckId": "hc-1", "SecondaryRegion": "us-west-2"}},
	}}
}

func describedPrefixDomain() map[string]any {
	return map[string]any{"DomainDescription": map[string]any{
		"UserPoolId": poolID, "AWSAccountId": "123456789012", "Domain": "example-corp",
		"CloudFrontDistribution": "d3oia8etllorh5.cloudfront.net", "S3Bucket": "aws-cognito-prod-example", "Status": "ACTIVE", "Version": "20250101",
		"ManagedLoginVersion": 2,
	}}
}

// TestPatchCustomDomainSendsWhatItLeavesOut: UpdateUserPoolDomain replaces
// CustomDomainConfig, ManagedLoginVersion and Routing, so a PATCH of the
// version alone must send the certificate and the routing again, for the
// domain DescribeUserPool names.
func TestPatchCustomDomainSendsWhatItLeavesOut(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(poolNaming(customDomain)))
	stub.Handle("DescribeUserPoolDomain", cognitotest.Reply(describedCustomDomain()))
	stub.Handle("UpdateUserPoolDomain", cognitotest.Reply(map[string]any{"CloudFrontDomain": cloudFront, "ManagedLoginVersion": 1}))
	rec := serveStandIn(t, stub, "PATCH", "/pools/"+poolID+"/custom-domain", `{"ManagedLoginVersion": 1}`,
		map[string]string{"Content-Type": "application/merge-patch+json"})
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" || !strings.Contains(rec.Body.String(), `"CloudFrontDomain":"`+cloudFront+`"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]any{"UserPoolId": poolID, "Domain": customDomain, "ManagedLoginVersion": float64(1),
		"CustomDomainConfig": map[string]any{"CertificateArn": certificateARN},
		"Routing":            map[string]any{"Failover": map[string]any{"PrimaryRoute53HealthCheckId": "hc-1", "SecondaryRegion": "us-west-2"}}}
	if in := onlyInput(t, stub, "UpdateUserPoolDomain"); !reflect.DeepEqual(in, want) {
		t.Errorf("UpdateUserPoolDomain input\n%v\nwant\n%v", in, want)
	}
	if got := callNames(stub); got != "DescribeUserPool,DescribeUserPoolDomain,UpdateUserPoolDomain,DescribeUserPoolDomain" {
		t.Errorf("calls %s", got)
	}
	if in := stub.Calls()[1].Input; !reflect.DeepEqual(in, map[string]any{"Domain": customDomain}) {
		t.Errorf("DescribeUserPoolDomain input %v: it takes the name alone", in)
	}
}

// TestPutCustomDomainCreatesWhenThePoolHasNone: with no custom domain, PUT
// is CreateUserPoolDomain, a 201 at its own URL whose body carries the
// CloudFront name the create answered with (the DNS alias target); a dry
// run shows the input and creates nothing; an If-Match, which names a
// version there is none of, is a 412.
func TestPutCustomDomainCreatesWhenThePoolHasNone(t *testing.T) {
	body := `{"Domain": "` + customDomain + `", "CustomDomainConfig": {"CertificateArn": "` + certificateARN + `"}, "ManagedLoginVersion": 2}`
	wantInput := map[string]any{"UserPoolId": poolID, "Domain": customDomain,
		"CustomDomainConfig": map[string]any{"CertificateArn": certificateARN}, "ManagedLoginVersion": float64(2)}
	newStub := func() *cognitotest.Server {
		stub := cognitotest.New(t)
		stub.Handle("DescribeUserPool", cognitotest.Reply(poolNaming("")))
		stub.Handle("CreateUserPoolDomain", cognitotest.Reply(map[string]any{"CloudFrontDomain": cloudFront, "ManagedLoginVersion": 2}))
		creating := describedCustomDomain()
		creating["DomainDescription"].(map[string]any)["Status"] = "CREATING"
		stub.Handle("DescribeUserPoolDomain", cognitotest.Reply(creating))
		return stub
	}
	target := "/pools/" + poolID + "/custom-domain"

	stub := newStub()
	rec := serveStandIn(t, stub, "PUT", target, body, nil)
	if rec.Code != http.StatusCreated || rec.Header().Get("Location") != target || rec.Header().Get("ETag") == "" ||
		!strings.Contains(rec.Body.String(), `"CloudFrontDomain":"`+cloudFront+`"`) || !strings.Contains(rec.Body.String(), `"Status":"CREATING"`) {
		t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if in := onlyInput(t, stub, "CreateUserPoolDomain"); !reflect.DeepEqual(in, wantInput) {
		t.Errorf("CreateUserPoolDomain input %v, want %v", in, wantInput)
	}
	if got := callNames(stub); got != "DescribeUserPool,CreateUserPoolDomain,DescribeUserPoolDomain" {
		t.Errorf("calls %s", got)
	}

	stub = newStub()
	rec = serveStandIn(t, stub, "PUT", target+"?dryRun=true", body, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Location") != "" {
		t.Fatalf("dry run: %d %s", rec.Code, rec.Body)
	}
	if got := callNames(stub); got != "DescribeUserPool" {
		t.Errorf("dry run calls %s", got)
	}

	stub = newStub()
	rec = serveStandIn(t, stub, "PUT", target, body, map[string]string{"If-Match": `"abc"`})
	if rec.Code != http.StatusPreconditionFailed {
		t.Fatalf("If-Match with no domain: %d %s", rec.Code, rec.Body)
	}
	if got := callNames(stub); got != "DescribeUserPool" {
		t.Errorf("If-Match with no domain: calls %s", got)
	}
}

// TestPutCustomDomainReplacesWhatItIsGiven: on an existing domain, PUT is
// UpdateUserPoolDomain with the body alone: Cognito's own replacement.
func TestPutCustomDomainReplacesWhatItIsGiven(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(poolNaming(customDomain)))
	stub.Handle("DescribeUserPoolDomain", cognitotest.Reply(describedCustomDomain()))
	stub.Handle("UpdateUserPoolDomain", cognitotest.Reply(map[string]any{"CloudFrontDomain": cloudFront}))
	rec := serveStandIn(t, stub, "PUT", "/pools/"+poolID+"/custom-domain",
		`{"Domain": "`+customDomain+`", "CustomDomainConfig": {"CertificateArn": "`+certificateARN+`"}}`, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Location") != "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]any{"UserPoolId": poolID, "Domain": customDomain, "CustomDomainConfig": map[string]any{"CertificateArn": certificateARN}}
	if in := onlyInput(t, stub, "UpdateUserPoolDomain"); !reflect.DeepEqual(in, want) {
		t.Errorf("UpdateUserPoolDomain input %v, want %v", in, want)
	}
}

// TestDomainLifecycleAgainstMoto: a prefix domain is created by PUT, read
// with its ETag, refused a rename, patched, and deleted, checked each time
// with a separate client.
func TestDomainLifecycleAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "domain")
	target := "/pools/" + pool + "/domain"
	prefix := "corp-" + strings.ToLower(strings.ReplaceAll(pool, "_", "-"))

	var problem map[string]any
	expect(t, m.do(t, "GET", target, "", nil, &problem), http.StatusNotFound)
	if problem["code"] != "ResourceNotFoundException" {
		t.Errorf("GET without a domain: %v", problem)
	}
	expect(t, m.do(t, "PATCH", target, `{"ManagedLoginVersion": 2}`, nil, nil), http.StatusNotFound)

	var created map[string]any
	resp := m.do(t, "PUT", target, `{"Domain": "`+prefix+`", "ManagedLoginVersion": 1}`, nil, &created)
	expect(t, resp, http.StatusCreated)
	if resp.Header.Get("Location") != target || created["Domain"] != prefix || created["CloudFrontDomain"] == nil {
		t.Errorf("PUT: Location %q, body %v", resp.Header.Get("Location"), created)
	}
	if name := poolDomain(t, m, pool); name != prefix {
		t.Fatalf("moto's pool names domain %q, want %q", name, prefix)
	}

	var got map[string]any
	resp = m.do(t, "GET", target, "", nil, &got)
	expect(t, resp, http.StatusOK)
	etag := resp.Header.Get("ETag")
	if got["Domain"] != prefix || got["UserPoolId"] != pool || etag == "" {
		t.Errorf("GET: %v, ETag %q", got, etag)
	}
	if again := m.do(t, "GET", target, "", nil, nil).Header.Get("ETag"); again != etag {
		t.Errorf("ETag moved from %s to %s with no change", etag, again)
	}

	var conflict map[string]any
	expect(t, m.do(t, "PUT", target, `{"Domain": "other-`+prefix+`"}`, nil, &conflict), http.StatusConflict)
	if conflict["code"] != "RenameRefused" || !strings.Contains(conflict["detail"].(string), prefix) {
		t.Errorf("rename: %v", conflict)
	}
	if name := poolDomain(t, m, pool); name != prefix {
		t.Errorf("a refused rename left the pool with domain %q", name)
	}

	var preview map[string]any
	expect(t, m.do(t, "PATCH", target+"?dryRun=true", `{"ManagedLoginVersion": 2}`, nil, &preview), http.StatusOK)
	if want := map[string]any{"UserPoolId": pool, "Domain": prefix, "ManagedLoginVersion": float64(2)}; !reflect.DeepEqual(preview, want) {
		t.Errorf("dry run %v, want %v", preview, want)
	}
	expect(t, m.do(t, "PATCH", target, `{"ManagedLoginVersion": 2}`, map[string]string{"If-Match": `"stale"`}, nil), http.StatusPreconditionFailed)
	var patched map[string]any
	expect(t, m.do(t, "PATCH", target, `{"ManagedLoginVersion": 2}`, map[string]string{"If-Match": etag}, &patched), http.StatusOK)
	if patched["Domain"] != prefix {
		t.Errorf("PATCH answer %v", patched)
	}

	expect(t, m.do(t, "DELETE", target, "", nil, nil), http.StatusNoContent)
	if name := poolDomain(t, m, pool); name != "" {
		t.Errorf("moto's pool still names domain %q", name)
	}
	expect(t, m.do(t, "GET", target, "", nil, nil), http.StatusNotFound)
	expect(t, m.do(t, "DELETE", target, "", nil, nil), http.StatusNotFound)
}

// poolDomain is the prefix domain DescribeUserPool names, read directly.
func poolDomain(t *testing.T, m *motoGateway, pool string) string {
	t.Helper()
	out, err := m.Direct.DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{UserPoolId: &pool})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.UserPool.Domain)
}

// TestPatchDomainRefusesWhatAPrefixDomainCannotHave: the merged whole is
// held to the prefix domain's PUT schema, which has no certificate.
func TestPatchDomainRefusesWhatAPrefixDomainCannotHave(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(poolNaming("")))
	rec := serveStandIn(t, stub, "PATCH", "/pools/"+poolID+"/domain",
		`{"CustomDomainConfig": {"CertificateArn": "`+certificateARN+`"}}`, nil)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got := callNames(stub); got != "" {
		t.Errorf("calls %s", got)
	}
}

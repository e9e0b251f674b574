package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/mototest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// motoGateway is the gateway served over HTTP in front of a real moto server,
// with a separate SDK client to check Cognito's state behind its back.
type motoGateway struct {
	URL      string
	HTTP     *http.Client // checks every answer against the spec
	Direct   *cip.Client  // talks to moto, not through the gateway
	endpoint string       // moto's
}

func startMotoGateway(t *testing.T) *motoGateway {
	t.Helper()
	endpoint := mototest.Start(t)
	return serveMoto(t, endpoint, cip.NewFromConfig(mototest.Config(t, endpoint)), Options{})
}

// serveMoto serves a gateway with opts in front of the moto at endpoint.
func serveMoto(t *testing.T, endpoint string, direct *cip.Client, opts Options) *motoGateway {
	t.Helper()
	gatewayClient := cip.NewFromConfig(mototest.Config(t, endpoint))
	g, err := New(gatewayClient, loadSpec(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(g)
	t.Cleanup(server.Close)
	return &motoGateway{
		URL:      server.URL,
		HTTP:     &http.Client{Transport: spectest.New(t).Transport(t, nil)},
		Direct:   direct,
		endpoint: endpoint,
	}
}

// with is another gateway, with opts, in front of the same moto: for
// options that name what a test has just created, such as an allow-list.
func (m *motoGateway) with(t *testing.T, opts Options) *motoGateway {
	t.Helper()
	return serveMoto(t, m.endpoint, m.Direct, opts)
}

// do sends one request and decodes a JSON answer into out, if given.
func (m *motoGateway) do(t *testing.T, method, path, body string, header map[string]string, out any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, m.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := m.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	resp.Body = io.NopCloser(strings.NewReader(string(raw)))
	return resp
}

// expect fails unless resp has status.
func expect(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	if resp.StatusCode != status {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, raw)
	}
}

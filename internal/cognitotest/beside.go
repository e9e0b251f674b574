package cognitotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Beside starts a stand-in that answers, from state it holds per pool, the
// actions moto 5.2 lacks, and forwards every other action, unchanged, to
// the moto server at motoEndpoint. Each held action checks, by asking moto
// as Cognito would check its own records, that the pool (and the app client
// it names) exists. Calls, Handle and RefuseWrite work as on New's server;
// a Handle'd action is answered by its script and reaches neither.
//
// Resource servers are held too: moto creates, lists and describes them but
// can neither update nor delete them.
//
// Some actions moto has are mended on their way through, because moto
// answers them in ways Cognito never does:
//   - UpdateUserPool: moto resets every member it is not given, the ones
//     fixed at creation too (UsernameAttributes, AliasAttributes,
//     UsernameConfiguration), which UpdateUserPool does not even accept;
//     the stand-in sends those along as moto holds them, and the tags.
//   - DescribeUserPool: UserPoolTags are the stand-in's, which TagResource
//     and UntagResource change.
//   - CreateUserPoolClient and UpdateUserPoolClient: Cognito refuses a
//     scope no resource server defines (ScopeDoesNotExistException) and an
//     identity provider the pool does not have (InvalidParameterException);
//     moto takes both. The stand-in refuses them first, so that the order
//     of a sequence of writes matters as it does against Cognito.
func Beside(tb testing.TB, motoEndpoint string) *Server {
	s := New(tb)
	s.forward = motoEndpoint
	held := &heldState{moto: motoEndpoint, pools: map[string]*poolState{}}
	maps.Copy(s.handlers, held.handlers())
	return s
}

// motoAuthorization signs the stand-in's own calls to moto. moto checks no
// signature but keeps one backend per Region, which it reads from the
// credential scope: us-east-1, as Client and mototest.Config use.
const motoAuthorization = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-target, Signature=cognitotest"

// relay forwards one JSON-RPC request to moto and copies its answer back,
// byte for byte: moto's 5xx pages included, so that a test sees what the
// SDK would.
func relay(w http.ResponseWriter, endpoint, action string, raw []byte, header http.Header) {
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", bytes.NewReader(raw))
	if err != nil {
		reply(w, http.StatusInternalServerError, errorBody("InternalErrorException", "cognitotest: "+err.Error()))
		return
	}
	for name, values := range header {
		if name != "Content-Length" && name != "Host" {
			req.Header[name] = values
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		reply(w, http.StatusInternalServerError, errorBody("InternalErrorException", "cognitotest: moto: "+err.Error()))
		return
	}
	defer resp.Body.Close()
	maps.Copy(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func errorBody(code, message string) map[string]any {
	return map[string]any{"__type": code, "message": message}
}

// refuse is a Cognito client error: Cognito answers them all with 400.
func refuse(code, message string) (int, any) {
	return http.StatusBadRequest, errorBody(code, message)
}

// heldState is what the stand-in holds in moto's place. One lock serves
// every action, moto calls included: tests send few calls at a time, and
// one order of events is easier to reason about.
type heldState struct {
	moto   string
	mu     sync.Mutex
	pools  map[string]*poolState
	nextID int
}

// poolState is one pool's share of heldState.
type poolState struct {
	// tags is nil until first needed, then seeded from the UserPoolTags
	// moto holds from CreateUserPool.
	tags        map[string]any
	risk        map[string]map[string]any // by ClientId, "" for the pool
	logDelivery []any
	ui          map[string]map[string]any // by ClientId, "ALL" for the pool
	brandings   map[string]map[string]any // by ManagedLoginBrandingId
	brandingFor map[string]string         // ManagedLoginBrandingId to ClientId
	terms       map[string]map[string]any // by TermsId
	termsOrder  []string
	servers     map[string]map[string]any // by Identifier
	serverOrder []string
}

func (h *heldState) handlers() map[string]Handler {
	return map[string]Handler{
		"DescribeUserPool":     h.describeUserPool,
		"UpdateUserPool":       h.inPool(h.updateUserPool),
		"DeleteUserPool":       h.deleteUserPool,
		"CreateUserPoolClient": h.inPool(h.checkedClient("CreateUserPoolClient")),
		"UpdateUserPoolClient": h.inPool(h.checkedClient("UpdateUserPoolClient")),

		"CreateResourceServer":   h.inPool(h.createResourceServer),
		"DescribeResourceServer": h.inPool(h.describeResourceServer),
		"ListResourceServers":    h.inPool(h.listResourceServers),
		"UpdateResourceServer":   h.inPool(h.updateResourceServer),
		"DeleteResourceServer":   h.inPool(h.deleteResourceServer),

		"DescribeRiskConfiguration": h.inPool(h.describeRisk),
		"SetRiskConfiguration":      h.inPool(h.setRisk),

		"GetLogDeliveryConfiguration": h.inPool(h.getLogDelivery),
		"SetLogDeliveryConfiguration": h.inPool(h.setLogDelivery),

		"ListTagsForResource": h.byARN(h.listTags),
		"TagResource":         h.byARN(h.tagResource),
		"UntagResource":       h.byARN(h.untagResource),

		"GetUICustomization": h.inPool(h.getUI),
		"SetUICustomization": h.inPool(h.setUI),

		"CreateManagedLoginBranding":           h.inPool(h.createBranding),
		"DescribeManagedLoginBranding":         h.inPool(h.describeBranding),
		"DescribeManagedLoginBrandingByClient": h.inPool(h.describeBrandingByClient),
		"UpdateManagedLoginBranding":           h.inPool(h.updateBranding),
		"DeleteManagedLoginBranding":           h.inPool(h.deleteBranding),

		"CreateTerms":   h.inPool(h.createTerms),
		"DescribeTerms": h.inPool(h.describeTerms),
		"UpdateTerms":   h.inPool(h.updateTerms),
		"DeleteTerms":   h.inPool(h.deleteTerms),
		"ListTerms":     h.inPool(h.listTerms),
	}
}

// callMoto sends one action to moto and decodes its answer. A moto that
// does not answer JSON is an InternalErrorException, as the SDK would see.
func (h *heldState) callMoto(action string, input any) (int, map[string]any) {
	raw, _ := json.Marshal(input)
	req, err := http.NewRequest(http.MethodPost, h.moto+"/", bytes.NewReader(raw))
	if err != nil {
		return http.StatusInternalServerError, errorBody("InternalErrorException", "cognitotest: "+err.Error())
	}
	req.Header.Set("X-Amz-Target", targetPrefix+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", motoAuthorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return http.StatusInternalServerError, errorBody("InternalErrorException", "cognitotest: moto: "+err.Error())
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil && resp.StatusCode == http.StatusOK {
		body = map[string]any{}
	} else if err != nil {
		return http.StatusInternalServerError, errorBody("InternalErrorException", "cognitotest: moto answered "+action+" with "+resp.Status)
	}
	return resp.StatusCode, body
}

// poolHandler answers an action on a pool that exists; described is the
// pool as moto describes it.
type poolHandler func(pool *poolState, described, input map[string]any) (int, any)

// inPool checks, as Cognito does first, that the input's UserPoolId names
// a pool, and answers moto's ResourceNotFoundException if it does not.
func (h *heldState) inPool(next poolHandler) Handler {
	return func(input map[string]any) (int, any) {
		h.mu.Lock()
		defer h.mu.Unlock()
		poolID, _ := input["UserPoolId"].(string)
		pool, described, status, failure := h.pool(poolID)
		if pool == nil {
			return status, failure
		}
		return next(pool, described, input)
	}
}

// byARN is inPool for the tag actions, which name the pool by its ARN.
func (h *heldState) byARN(next poolHandler) Handler {
	return func(input map[string]any) (int, any) {
		arn, _ := input["ResourceArn"].(string)
		_, poolID, found := strings.Cut(arn, ":userpool/")
		if !strings.HasPrefix(arn, "arn:") || !found || poolID == "" {
			return refuse("InvalidParameterException", "1 validation error detected: Value '"+arn+"' at 'resourceArn' failed to satisfy constraint: Member must be a user pool ARN")
		}
		input = maps.Clone(input)
		input["UserPoolId"] = poolID
		return h.inPool(next)(input)
	}
}

// pool describes poolID in moto and returns its held state, creating it
// on first use. The caller holds h.mu.
func (h *heldState) pool(poolID string) (*poolState, map[string]any, int, any) {
	status, body := h.callMoto("DescribeUserPool", map[string]any{"UserPoolId": poolID})
	if status != http.StatusOK {
		return nil, nil, status, body
	}
	described, _ := body["UserPool"].(map[string]any)
	pool := h.pools[poolID]
	if pool == nil {
		pool = &poolState{
			risk:        map[string]map[string]any{},
			ui:          map[string]map[string]any{},
			brandings:   map[string]map[string]any{},
			brandingFor: map[string]string{},
			terms:       map[string]map[string]any{},
			servers:     map[string]map[string]any{},
		}
		h.pools[poolID] = pool
	}
	if pool.tags == nil {
		pool.tags = map[string]any{}
		if tags, ok := described["UserPoolTags"].(map[string]any); ok {
			pool.tags = maps.Clone(tags)
		}
	}
	return pool, described, 0, nil
}

// client checks that clientID is an app client of poolID, as Cognito does
// for every action that names one.
func (h *heldState) client(poolID, clientID string) (int, any) {
	status, body := h.callMoto("DescribeUserPoolClient", map[string]any{"UserPoolId": poolID, "ClientId": clientID})
	if status != http.StatusOK {
		return status, body
	}
	return 0, nil
}

// id makes an identifier in the shape of Cognito's UUIDs.
func (h *heldState) id() string {
	h.nextID++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", h.nextID, time.Now().UnixNano()&0xffffffffffff)
}

// now is a timestamp as Cognito's JSON protocol writes it: epoch seconds.
func now() float64 {
	return float64(time.Now().UnixMilli()) / 1000
}

func (h *heldState) describeUserPool(input map[string]any) (int, any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	status, body := h.callMoto("DescribeUserPool", input)
	poolID, _ := input["UserPoolId"].(string)
	described, _ := body["UserPool"].(map[string]any)
	if pool := h.pools[poolID]; status == http.StatusOK && described != nil && pool != nil && pool.tags != nil {
		described["UserPoolTags"] = maps.Clone(pool.tags)
	}
	return status, body
}

// creationMembers are what CreateUserPool fixes and UpdateUserPool does not
// accept, which moto's UpdateUserPool would otherwise forget.
var creationMembers = []string{"UsernameAttributes", "AliasAttributes", "UsernameConfiguration"}

func (h *heldState) updateUserPool(pool *poolState, described, input map[string]any) (int, any) {
	if tags, ok := input["UserPoolTags"].(map[string]any); ok {
		pool.tags = maps.Clone(tags)
	}
	forwarded := maps.Clone(input)
	for _, member := range creationMembers {
		delete(forwarded, member)
		if value, ok := described[member]; ok {
			forwarded[member] = value
		}
	}
	forwarded["UserPoolTags"] = pool.tags
	return h.callMoto("UpdateUserPool", forwarded)
}

func (h *heldState) deleteUserPool(input map[string]any) (int, any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	status, body := h.callMoto("DeleteUserPool", input)
	if status == http.StatusOK {
		poolID, _ := input["UserPoolId"].(string)
		delete(h.pools, poolID)
	}
	return status, body
}

// standardScopes are the scopes Cognito defines itself; every other scope
// is a resource server's Identifier/ScopeName.
var standardScopes = map[string]bool{"openid": true, "email": true, "phone": true, "profile": true, "aws.cognito.signin.user.admin": true}

// checkedClient refuses, as Cognito does, a client that names a scope or an
// identity provider the pool does not have, then forwards it to moto.
func (h *heldState) checkedClient(action string) poolHandler {
	return func(pool *poolState, _, input map[string]any) (int, any) {
		scopes, _ := input["AllowedOAuthScopes"].([]any)
		for _, scope := range scopes {
			name, _ := scope.(string)
			if standardScopes[name] || pool.definesScope(name) {
				continue
			}
			return refuse("ScopeDoesNotExistException", "Invalid scope requested: "+name)
		}
		providers, _ := input["SupportedIdentityProviders"].([]any)
		for _, provider := range providers {
			name, _ := provider.(string)
			if name == "COGNITO" {
				continue
			}
			status, _ := h.callMoto("DescribeIdentityProvider", map[string]any{"UserPoolId": input["UserPoolId"], "ProviderName": name})
			if status != http.StatusOK {
				return refuse("InvalidParameterException", "The provider "+name+" does not exist for User Pool "+input["UserPoolId"].(string))
			}
		}
		return h.callMoto(action, input)
	}
}

// definesScope reports whether scope, Identifier/ScopeName, is one of the
// pool's resource servers' scopes. The Identifier may hold slashes itself.
func (pool *poolState) definesScope(scope string) bool {
	cut := strings.LastIndex(scope, "/")
	if cut < 0 {
		return false
	}
	server, ok := pool.servers[scope[:cut]]
	if !ok {
		return false
	}
	scopes, _ := server["Scopes"].([]any)
	for _, defined := range scopes {
		fields, _ := defined.(map[string]any)
		if fields["ScopeName"] == scope[cut+1:] {
			return true
		}
	}
	return false
}

// resourceServer is what Cognito answers for one: the input's members.
func resourceServer(input map[string]any) map[string]any {
	server := map[string]any{}
	copyMembers(server, input, "UserPoolId", "Identifier", "Name", "Scopes")
	return server
}

func (h *heldState) createResourceServer(pool *poolState, _, input map[string]any) (int, any) {
	identifier, _ := input["Identifier"].(string)
	if _, ok := pool.servers[identifier]; ok {
		return refuse("InvalidParameterException", identifier+" already exists in user pool "+input["UserPoolId"].(string)+".")
	}
	server := resourceServer(input)
	pool.servers[identifier] = server
	pool.serverOrder = append(pool.serverOrder, identifier)
	return http.StatusOK, map[string]any{"ResourceServer": server}
}

func (h *heldState) describeResourceServer(pool *poolState, _, input map[string]any) (int, any) {
	identifier, _ := input["Identifier"].(string)
	server, ok := pool.servers[identifier]
	if !ok {
		return refuse("ResourceNotFoundException", "Resource server "+identifier+" does not exist.")
	}
	return http.StatusOK, map[string]any{"ResourceServer": server}
}

// updateResourceServer replaces the Name and Scopes: Cognito drops the
// scopes an update leaves out.
func (h *heldState) updateResourceServer(pool *poolState, _, input map[string]any) (int, any) {
	identifier, _ := input["Identifier"].(string)
	if _, ok := pool.servers[identifier]; !ok {
		return refuse("ResourceNotFoundException", "Resource server "+identifier+" does not exist.")
	}
	server := resourceServer(input)
	pool.servers[identifier] = server
	return http.StatusOK, map[string]any{"ResourceServer": server}
}

func (h *heldState) deleteResourceServer(pool *poolState, _, input map[string]any) (int, any) {
	identifier, _ := input["Identifier"].(string)
	if _, ok := pool.servers[identifier]; !ok {
		return refuse("ResourceNotFoundException", "Resource server "+identifier+" does not exist.")
	}
	delete(pool.servers, identifier)
	pool.serverOrder = removeString(pool.serverOrder, identifier)
	return http.StatusOK, map[string]any{}
}

func (h *heldState) listResourceServers(pool *poolState, _, input map[string]any) (int, any) {
	page, next, status, failure := pageOf(pool.serverOrder, input)
	if status != 0 {
		return status, failure
	}
	listed := []any{}
	for _, identifier := range page {
		listed = append(listed, pool.servers[identifier])
	}
	answer := map[string]any{"ResourceServers": listed}
	if next != "" {
		answer["NextToken"] = next
	}
	return http.StatusOK, answer
}

// pageOf cuts one page out of ids by the input's MaxResults and NextToken,
// which is the index of the page's first id.
func pageOf(ids []string, input map[string]any) (page []string, next string, status int, failure any) {
	limit := 10
	if max, ok := input["MaxResults"].(float64); ok && max > 0 {
		limit = int(max)
	}
	start := 0
	if token, ok := input["NextToken"].(string); ok {
		index, err := strconv.Atoi(token)
		if err != nil || index < 0 || index > len(ids) {
			status, failure := refuse("InvalidParameterException", "Invalid NextToken.")
			return nil, "", status, failure
		}
		start = index
	}
	end := min(start+limit, len(ids))
	if end < len(ids) {
		next = strconv.Itoa(end)
	}
	return ids[start:end], next, 0, nil
}

// copyMembers copies the named members of from that are present into to.
func copyMembers(to, from map[string]any, members ...string) {
	for _, member := range members {
		if value, ok := from[member]; ok && value != nil {
			to[member] = value
		}
	}
}

func (h *heldState) describeRisk(pool *poolState, _, input map[string]any) (int, any) {
	clientID, _ := input["ClientId"].(string)
	if clientID != "" {
		if status, failure := h.client(input["UserPoolId"].(string), clientID); status != 0 {
			return status, failure
		}
	}
	if risk, ok := pool.risk[clientID]; ok {
		return http.StatusOK, map[string]any{"RiskConfiguration": risk}
	}
	risk := map[string]any{"UserPoolId": input["UserPoolId"]}
	if clientID != "" {
		risk["ClientId"] = clientID
	}
	return http.StatusOK, map[string]any{"RiskConfiguration": risk}
}

// setRisk replaces the pool's, or one client's, threat-protection
// configuration: what the input leaves out is gone, as in Cognito. Cognito
// refuses it on a pool whose threat protection is off.
func (h *heldState) setRisk(pool *poolState, described, input map[string]any) (int, any) {
	clientID, _ := input["ClientId"].(string)
	if clientID != "" {
		if status, failure := h.client(input["UserPoolId"].(string), clientID); status != 0 {
			return status, failure
		}
	}
	addOns, _ := described["UserPoolAddOns"].(map[string]any)
	if mode, _ := addOns["AdvancedSecurityMode"].(string); mode != "AUDIT" && mode != "ENFORCED" {
		return refuse("UserPoolAddOnNotEnabledException", "Threat protection is not enabled for the user pool.")
	}
	risk := map[string]any{"UserPoolId": input["UserPoolId"], "LastModifiedDate": now()}
	if clientID != "" {
		risk["ClientId"] = clientID
	}
	copyMembers(risk, input, "CompromisedCredentialsRiskConfiguration", "AccountTakeoverRiskConfiguration", "RiskExceptionConfiguration")
	pool.risk[clientID] = risk
	return http.StatusOK, map[string]any{"RiskConfiguration": risk}
}

func (h *heldState) getLogDelivery(pool *poolState, _, input map[string]any) (int, any) {
	configurations := pool.logDelivery
	if configurations == nil {
		configurations = []any{}
	}
	return http.StatusOK, map[string]any{"LogDeliveryConfiguration": map[string]any{
		"UserPoolId": input["UserPoolId"], "LogConfigurations": configurations}}
}

func (h *heldState) setLogDelivery(pool *poolState, _, input map[string]any) (int, any) {
	configurations, ok := input["LogConfigurations"].([]any)
	if !ok {
		return refuse("InvalidParameterException", "LogConfigurations is required.")
	}
	pool.logDelivery = configurations
	return h.getLogDelivery(pool, nil, input)
}

func (h *heldState) listTags(pool *poolState, _, _ map[string]any) (int, any) {
	return http.StatusOK, map[string]any{"Tags": maps.Clone(pool.tags)}
}

func (h *heldState) tagResource(pool *poolState, _, input map[string]any) (int, any) {
	tags, _ := input["Tags"].(map[string]any)
	merged := maps.Clone(pool.tags)
	maps.Copy(merged, tags)
	if len(merged) > 50 {
		return refuse("InvalidParameterException", "A user pool can have at most 50 tags.")
	}
	pool.tags = merged
	return http.StatusOK, map[string]any{}
}

func (h *heldState) untagResource(pool *poolState, _, input map[string]any) (int, any) {
	keys, _ := input["TagKeys"].([]any)
	for _, key := range keys {
		if name, ok := key.(string); ok {
			delete(pool.tags, name)
		}
	}
	return http.StatusOK, map[string]any{}
}

// uiKey is how Cognito names the pool-wide UI customization: ClientId ALL.
func uiKey(input map[string]any) string {
	if clientID, _ := input["ClientId"].(string); clientID != "" {
		return clientID
	}
	return "ALL"
}

// getUI answers a client's own customization, else the pool's, which
// Cognito applies to every client without one.
func (h *heldState) getUI(pool *poolState, _, input map[string]any) (int, any) {
	key := uiKey(input)
	if key != "ALL" {
		if status, failure := h.client(input["UserPoolId"].(string), key); status != 0 {
			return status, failure
		}
	}
	if ui, ok := pool.ui[key]; ok {
		return http.StatusOK, map[string]any{"UICustomization": ui}
	}
	if ui, ok := pool.ui["ALL"]; ok {
		return http.StatusOK, map[string]any{"UICustomization": ui}
	}
	return http.StatusOK, map[string]any{"UICustomization": map[string]any{"UserPoolId": input["UserPoolId"], "ClientId": key}}
}

// setUI replaces a customization; Cognito serves it on the pool's domain,
// so it refuses a pool without one.
func (h *heldState) setUI(pool *poolState, described, input map[string]any) (int, any) {
	if domain, _ := described["Domain"].(string); domain == "" {
		return refuse("InvalidParameterException", "There has to be an existing domain associated with this user pool")
	}
	key := uiKey(input)
	if key != "ALL" {
		if status, failure := h.client(input["UserPoolId"].(string), key); status != 0 {
			return status, failure
		}
	}
	ui := map[string]any{"UserPoolId": input["UserPoolId"], "ClientId": key, "CreationDate": now(), "LastModifiedDate": now()}
	if previous, ok := pool.ui[key]; ok {
		ui["CreationDate"] = previous["CreationDate"]
	}
	if css, ok := input["CSS"].(string); ok {
		ui["CSS"] = css
		ui["CSSVersion"] = strconv.FormatInt(time.Now().UnixNano(), 10)
	}
	if _, ok := input["ImageFile"].(string); ok {
		ui["ImageUrl"] = "https://cognitotest.invalid/" + input["UserPoolId"].(string) + "/" + key + "/logo.png"
	}
	pool.ui[key] = ui
	return http.StatusOK, map[string]any{"UICustomization": ui}
}

func (h *heldState) createBranding(pool *poolState, _, input map[string]any) (int, any) {
	clientID, _ := input["ClientId"].(string)
	if status, failure := h.client(input["UserPoolId"].(string), clientID); status != 0 {
		return status, failure
	}
	for _, owner := range pool.brandingFor {
		if owner == clientID {
			return refuse("ManagedLoginBrandingExistsException", "Managed login branding already exists for this app client.")
		}
	}
	if status, failure := checkProvidedValues(input); status != 0 {
		return status, failure
	}
	id := h.id()
	branding := map[string]any{
		"ManagedLoginBrandingId":   id,
		"UserPoolId":               input["UserPoolId"],
		"UseCognitoProvidedValues": input["UseCognitoProvidedValues"] == true,
		"Assets":                   []any{},
		"CreationDate":             now(),
		"LastModifiedDate":         now(),
	}
	copyMembers(branding, input, "Settings", "Assets")
	pool.brandings[id] = branding
	pool.brandingFor[id] = clientID
	return http.StatusOK, map[string]any{"ManagedLoginBranding": branding}
}

// checkProvidedValues refuses what Cognito refuses: a style on its own
// defaults cannot also carry settings or assets.
func checkProvidedValues(input map[string]any) (int, any) {
	if input["UseCognitoProvidedValues"] == true && (input["Settings"] != nil || input["Assets"] != nil) {
		return refuse("InvalidParameterException", "Settings and Assets must not be set when UseCognitoProvidedValues is true.")
	}
	return 0, nil
}

func (h *heldState) branding(pool *poolState, input map[string]any) (map[string]any, int, any) {
	id, _ := input["ManagedLoginBrandingId"].(string)
	branding, ok := pool.brandings[id]
	if !ok {
		status, failure := refuse("ResourceNotFoundException", "Managed login branding "+id+" does not exist.")
		return nil, status, failure
	}
	return branding, 0, nil
}

func (h *heldState) describeBranding(pool *poolState, _, input map[string]any) (int, any) {
	branding, status, failure := h.branding(pool, input)
	if branding == nil {
		return status, failure
	}
	return http.StatusOK, map[string]any{"ManagedLoginBranding": branding}
}

func (h *heldState) describeBrandingByClient(pool *poolState, _, input map[string]any) (int, any) {
	clientID, _ := input["ClientId"].(string)
	if status, failure := h.client(input["UserPoolId"].(string), clientID); status != 0 {
		return status, failure
	}
	for id, owner := range pool.brandingFor {
		if owner == clientID {
			return http.StatusOK, map[string]any{"ManagedLoginBranding": pool.brandings[id]}
		}
	}
	return refuse("ResourceNotFoundException", "Managed login branding does not exist for this app client.")
}

// updateBranding keeps what the input leaves out, as Cognito documents:
// Settings when not given, and each asset not given again by its Category
// and ColorMode. A switch to Cognito's defaults drops both.
func (h *heldState) updateBranding(pool *poolState, _, input map[string]any) (int, any) {
	branding, status, failure := h.branding(pool, input)
	if branding == nil {
		return status, failure
	}
	if status, failure := checkProvidedValues(input); status != 0 {
		return status, failure
	}
	if input["UseCognitoProvidedValues"] == true {
		branding["UseCognitoProvidedValues"] = true
		delete(branding, "Settings")
		branding["Assets"] = []any{}
	} else {
		branding["UseCognitoProvidedValues"] = false
	}
	if settings, ok := input["Settings"]; ok && settings != nil {
		branding["Settings"] = settings
	}
	if assets, ok := input["Assets"].([]any); ok {
		branding["Assets"] = mergeAssets(branding["Assets"].([]any), assets)
	}
	branding["LastModifiedDate"] = now()
	return http.StatusOK, map[string]any{"ManagedLoginBranding": branding}
}

// mergeAssets replaces the assets of held that given names again by
// Category and ColorMode, keeps the others in order, and appends the new.
func mergeAssets(held, given []any) []any {
	key := func(asset any) string {
		fields, _ := asset.(map[string]any)
		category, _ := fields["Category"].(string)
		mode, _ := fields["ColorMode"].(string)
		return category + "/" + mode
	}
	replaced := map[string]any{}
	for _, asset := range given {
		replaced[key(asset)] = asset
	}
	merged := []any{}
	for _, asset := range held {
		if next, ok := replaced[key(asset)]; ok {
			merged = append(merged, next)
			delete(replaced, key(asset))
			continue
		}
		merged = append(merged, asset)
	}
	for _, asset := range given {
		if _, ok := replaced[key(asset)]; ok {
			merged = append(merged, asset)
		}
	}
	return merged
}

func (h *heldState) deleteBranding(pool *poolState, _, input map[string]any) (int, any) {
	branding, status, failure := h.branding(pool, input)
	if branding == nil {
		return status, failure
	}
	id := branding["ManagedLoginBrandingId"].(string)
	delete(pool.brandings, id)
	delete(pool.brandingFor, id)
	return http.StatusOK, map[string]any{}
}

// termsNames are the two documents Cognito knows, one of each per client.
var termsNames = map[string]bool{"terms-of-use": true, "privacy-policy": true}

func (h *heldState) createTerms(pool *poolState, _, input map[string]any) (int, any) {
	clientID, _ := input["ClientId"].(string)
	if status, failure := h.client(input["UserPoolId"].(string), clientID); status != 0 {
		return status, failure
	}
	name, _ := input["TermsName"].(string)
	if !termsNames[name] {
		return refuse("InvalidParameterException", "TermsName must be terms-of-use or privacy-policy.")
	}
	for _, terms := range pool.terms {
		if terms["ClientId"] == clientID && terms["TermsName"] == name {
			return refuse("TermsExistsException", "Terms already exist for this client.")
		}
	}
	id := h.id()
	terms := map[string]any{"TermsId": id, "UserPoolId": input["UserPoolId"], "ClientId": clientID, "CreationDate": now(), "LastModifiedDate": now()}
	copyMembers(terms, input, "TermsName", "TermsSource", "Enforcement", "Links")
	pool.terms[id] = terms
	pool.termsOrder = append(pool.termsOrder, id)
	return http.StatusOK, map[string]any{"Terms": terms}
}

func (h *heldState) terms(pool *poolState, input map[string]any) (map[string]any, int, any) {
	id, _ := input["TermsId"].(string)
	terms, ok := pool.terms[id]
	if !ok {
		status, failure := refuse("ResourceNotFoundException", "Terms "+id+" do not exist.")
		return nil, status, failure
	}
	return terms, 0, nil
}

func (h *heldState) describeTerms(pool *poolState, _, input map[string]any) (int, any) {
	terms, status, failure := h.terms(pool, input)
	if terms == nil {
		return status, failure
	}
	return http.StatusOK, map[string]any{"Terms": terms}
}

// updateTerms changes the members given and keeps the others.
func (h *heldState) updateTerms(pool *poolState, _, input map[string]any) (int, any) {
	terms, status, failure := h.terms(pool, input)
	if terms == nil {
		return status, failure
	}
	if name, ok := input["TermsName"].(string); ok && !termsNames[name] {
		return refuse("InvalidParameterException", "TermsName must be terms-of-use or privacy-policy.")
	}
	copyMembers(terms, input, "TermsName", "TermsSource", "Enforcement", "Links")
	terms["LastModifiedDate"] = now()
	return http.StatusOK, map[string]any{"Terms": terms}
}

func (h *heldState) deleteTerms(pool *poolState, _, input map[string]any) (int, any) {
	terms, status, failure := h.terms(pool, input)
	if terms == nil {
		return status, failure
	}
	id := terms["TermsId"].(string)
	delete(pool.terms, id)
	pool.termsOrder = removeString(pool.termsOrder, id)
	return http.StatusOK, map[string]any{}
}

func removeString(list []string, drop string) []string {
	kept := list[:0]
	for _, item := range list {
		if item != drop {
			kept = append(kept, item)
		}
	}
	return kept
}

// listTerms pages in creation order.
func (h *heldState) listTerms(pool *poolState, _, input map[string]any) (int, any) {
	page, next, status, failure := pageOf(pool.termsOrder, input)
	if status != 0 {
		return status, failure
	}
	listed := []any{}
	for _, id := range page {
		description := map[string]any{}
		copyMembers(description, pool.terms[id], "TermsId", "TermsName", "Enforcement", "CreationDate", "LastModifiedDate")
		listed = append(listed, description)
	}
	answer := map[string]any{"Terms": listed}
	if next != "" {
		answer["NextToken"] = next
	}
	return http.StatusOK, answer
}

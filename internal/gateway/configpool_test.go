package gateway

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
)

// featurePool is what everyFeaturePool made, by the names a configuration
// document uses and the ids a direct client needs.
type featurePool struct {
	ID, ARN        string
	Domain         string
	WebID, BackID  string // the app clients web and back-office
	BrandingID     string
	TermsID        string
	ResourceServer string
}

// everyFeaturePool arranges, through direct (moto with the stand-in beside
// it), the pool the acceptance scenario names: a trigger, a
// password policy, MFA, tags, a domain, two clients (back-office has a
// secret), three groups, a SAML and an OIDC provider, a resource server
// with scopes; and, on top, each pool-level feature the stand-in holds:
// threat protection, log delivery, UI customization, branding and terms.
func everyFeaturePool(tb testing.TB, direct *cip.Client, name, domain string) featurePool {
	tb.Helper()
	ctx := context.Background()
	check := func(step string, err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("arrange the pool, %s: %v", step, err)
		}
	}
	created, err := direct.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:     aws.String(name),
		LambdaConfig: &types.LambdaConfigType{PreSignUp: aws.String("arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up")},
		Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
			MinimumLength: aws.Int32(12), RequireLowercase: true, RequireNumbers: true, RequireUppercase: true,
			TemporaryPasswordValidityDays: 3,
		}},
		UsernameAttributes:     []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Schema: []types.SchemaAttributeType{{
			Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true),
			StringAttributeConstraints: &types.StringAttributeConstraintsType{MinLength: aws.String("1"), MaxLength: aws.String("64")},
		}},
		// Without UnusedAccountValidityDays, the deprecated twin of
		// TemporaryPasswordValidityDays, which Cognito refuses beside it:
		// moto's default pool has 7 of it, which no update can send again.
		AdminCreateUserConfig: &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true},
		UserPoolTags:          map[string]string{"team": "identity", "env": name},
		UserPoolAddOns:        &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeAudit},
	})
	check("CreateUserPool", err)
	pool := featurePool{
		ID: aws.ToString(created.UserPool.Id), ARN: aws.ToString(created.UserPool.Arn),
		Domain: domain, ResourceServer: "https://api.example.com",
	}
	id := aws.String(pool.ID)

	_, err = direct.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: id, MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	})
	check("SetUserPoolMfaConfig", err)
	_, err = direct.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: id, Domain: aws.String(domain)})
	check("CreateUserPoolDomain", err)
	_, err = direct.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
		UserPoolId: id, Identifier: aws.String(pool.ResourceServer), Name: aws.String("Orders"),
		Scopes: []types.ResourceServerScopeType{
			{ScopeName: aws.String("orders.read"), ScopeDescription: aws.String("Read orders")},
			{ScopeName: aws.String("orders.write"), ScopeDescription: aws.String("Place orders")},
		},
	})
	check("CreateResourceServer", err)
	_, err = direct.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: id, ProviderName: aws.String("corp-saml"), ProviderType: types.IdentityProviderTypeTypeSaml,
		ProviderDetails:  map[string]string{"MetadataURL": "https://idp.example.com/metadata"},
		AttributeMapping: map[string]string{"email": "mail"},
	})
	check("CreateIdentityProvider SAML", err)
	_, err = direct.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: id, ProviderName: aws.String("corp-oidc"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{
			"client_id": "gateway", "client_secret": "oidc-s3cret", "authorize_scopes": "openid email",
			"oidc_issuer": "https://oidc.example.com", "attributes_request_method": "GET",
		},
		AttributeMapping: map[string]string{"email": "email"},
	})
	check("CreateIdentityProvider OIDC", err)
	for i, group := range []string{"admins", "support", "readers"} {
		_, err = direct.CreateGroup(ctx, &cip.CreateGroupInput{
			UserPoolId: id, GroupName: aws.String(group), Description: aws.String("the " + group), Precedence: aws.Int32(int32(i + 1)),
		})
		check("CreateGroup "+group, err)
	}
	web, err := direct.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: id, ClientName: aws.String("web"),
		SupportedIdentityProviders:      []string{"COGNITO", "corp-saml", "corp-oidc"},
		CallbackURLs:                    []string{"https://app.example.com/cb"},
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes:              []string{"openid", pool.ResourceServer + "/orders.read"},
		AllowedOAuthFlowsUserPoolClient: true,
		ExplicitAuthFlows:               []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
	})
	check("CreateUserPoolClient web", err)
	pool.WebID = aws.ToString(web.UserPoolClient.ClientId)
	back, err := direct.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: id, ClientName: aws.String("back-office"), GenerateSecret: true,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
	})
	check("CreateUserPoolClient back-office", err)
	pool.BackID = aws.ToString(back.UserPoolClient.ClientId)

	_, err = direct.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{
		UserPoolId: id,
		CompromisedCredentialsRiskConfiguration: &types.CompromisedCredentialsRiskConfigurationType{
			Actions: &types.CompromisedCredentialsActionsType{EventAction: types.CompromisedCredentialsEventActionTypeBlock},
		},
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{SkippedIPRangeList: []string{"192.0.2.0/24"}},
	})
	check("SetRiskConfiguration", err)
	_, err = direct.SetLogDeliveryConfiguration(ctx, &cip.SetLogDeliveryConfigurationInput{
		UserPoolId: id,
		LogConfigurations: []types.LogConfigurationType{{
			EventSource: types.EventSourceNameUserNotification, LogLevel: types.LogLevelError,
			CloudWatchLogsConfiguration: &types.CloudWatchLogsConfigurationType{LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:cognito-" + name)},
		}},
	})
	check("SetLogDeliveryConfiguration", err)
	_, err = direct.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: id, CSS: aws.String(".banner-customizable{background-color:#232f3e}")})
	check("SetUICustomization", err)
	branding, err := direct.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{
		UserPoolId: id, ClientId: web.UserPoolClient.ClientId,
		Settings: document.NewLazyDocument(map[string]any{"categories": map[string]any{"global": map[string]any{"colorSchemeMode": "LIGHT"}}}),
		Assets: []types.AssetType{{
			Category: types.AssetCategoryTypeFaviconIco, ColorMode: types.ColorSchemeModeTypeLight,
			Extension: types.AssetExtensionTypeIco, Bytes: []byte("favicon"),
		}},
	})
	check("CreateManagedLoginBranding", err)
	pool.BrandingID = aws.ToString(branding.ManagedLoginBranding.ManagedLoginBrandingId)
	terms, err := direct.CreateTerms(ctx, &cip.CreateTermsInput{
		UserPoolId: id, ClientId: web.UserPoolClient.ClientId, TermsName: aws.String("terms-of-use"),
		TermsSource: types.TermsSourceTypeLink, Enforcement: types.TermsEnforcementTypeNone,
		Links: map[string]string{"cognito:default": "https://example.com/terms"},
	})
	check("CreateTerms", err)
	pool.TermsID = aws.ToString(terms.Terms.TermsId)
	return pool
}

// featureReads are the reads that show all of a featurePool, each named by
// what it reads, with its input.
func (p featurePool) reads() map[string]map[string]any {
	pool := map[string]any{"UserPoolId": p.ID}
	with := func(member string, value any) map[string]any {
		input := map[string]any{"UserPoolId": p.ID}
		input[member] = value
		return input
	}
	return map[string]map[string]any{
		"Pool":                  {"DescribeUserPool": pool},
		"Mfa":                   {"GetUserPoolMfaConfig": pool},
		"Domain":                {"DescribeUserPoolDomain": map[string]any{"Domain": p.Domain}},
		"ResourceServers":       {"ListResourceServers": with("MaxResults", 50)},
		"IdentityProvider saml": {"DescribeIdentityProvider": with("ProviderName", "corp-saml")},
		"IdentityProvider oidc": {"DescribeIdentityProvider": with("ProviderName", "corp-oidc")},
		"Groups":                {"ListGroups": with("Limit", 60)},
		"Client web":            {"DescribeUserPoolClient": with("ClientId", p.WebID)},
		"Client back-office":    {"DescribeUserPoolClient": with("ClientId", p.BackID)},
		"RiskConfiguration":     {"DescribeRiskConfiguration": pool},
		"LogDelivery":           {"GetLogDeliveryConfiguration": pool},
		"Tags":                  {"ListTagsForResource": map[string]any{"ResourceArn": p.ARN}},
		"UICustomization":       {"GetUICustomization": pool},
		"Branding":              {"DescribeManagedLoginBranding": with("ManagedLoginBrandingId", p.BrandingID)},
		"Terms":                 {"DescribeTerms": with("TermsId", p.TermsID)},
	}
}

// snapshot reads all of p through direct, a Cognito client that is not the
// gateway's, as JSON trees by what each read shows. Times of modification
// and moto's random account id change on their own, and are left out.
func (p featurePool) snapshot(tb testing.TB, direct *cip.Client) map[string]any {
	tb.Helper()
	actions := cognito.Actions()
	shot := map[string]any{}
	for name, read := range p.reads() {
		for action, input := range read {
			encoded, _ := json.Marshal(input)
			out, err := actions[action].Call(context.Background(), direct, encoded)
			if err != nil {
				tb.Fatalf("snapshot, %s: %v", action, err)
			}
			raw, _ := json.Marshal(cognito.Document(out))
			var tree any
			_ = json.Unmarshal(raw, &tree)
			shot[name] = withoutVolatile(tree)
		}
	}
	return shot
}

func withoutVolatile(tree any) any {
	switch v := tree.(type) {
	case map[string]any:
		for _, member := range []string{"LastModifiedDate", "AWSAccountId", "CSSVersion"} {
			delete(v, member)
		}
		for key, child := range v {
			v[key] = withoutVolatile(child)
		}
	case []any:
		for i, child := range v {
			v[i] = withoutVolatile(child)
		}
	}
	return tree
}

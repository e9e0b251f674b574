package cognitotest_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/mototest"
)

// besideMoto is a stand-in beside a fresh moto, with an SDK client for
// each: the stand-in's, which tests drive, and moto's own, which sees what
// was forwarded.
type besideMoto struct {
	stand *cognitotest.Server
	via   *cip.Client
	moto  *cip.Client
}

// TestBeside runs each case against a stand-in of its own, beside one moto
// they share: starting moto is most of a case's time, and each case
// arranges pools of its own.
func TestBeside(t *testing.T) {
	endpoint := mototest.Start(t)
	moto := cip.NewFromConfig(mototest.Config(t, endpoint))
	cases := []struct {
		name string
		run  func(*testing.T, *besideMoto)
	}{
		{"ForwardsWhatItDoesNotHoldToMoto", ForwardsWhatItDoesNotHoldToMoto},
		{"HeldActionsCheckThePoolExists", HeldActionsCheckThePoolExists},
		{"HoldsTagsBesideMotosPool", HoldsTagsBesideMotosPool},
		{"HoldsThreatProtectionPerPoolAndClient", HoldsThreatProtectionPerPoolAndClient},
		{"HoldsLogDelivery", HoldsLogDelivery},
		{"HoldsUICustomizationOnAPoolWithADomain", HoldsUICustomizationOnAPoolWithADomain},
		{"HoldsOneBrandingPerClient", HoldsOneBrandingPerClient},
		{"HoldsTermsPerClient", HoldsTermsPerClient},
		{"HoldsResourceServersMotoCannotUpdateOrDelete", HoldsResourceServersMotoCannotUpdateOrDelete},
		{"RefusesAClientNamingWhatThePoolLacks", RefusesAClientNamingWhatThePoolLacks},
		{"RefusesTheNthWrite", RefusesTheNthWrite},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stand := cognitotest.Beside(t, endpoint)
			c.run(t, &besideMoto{stand: stand, via: stand.Client(), moto: moto})
		})
	}
}

// pool creates a pool through the stand-in, with a client, and returns
// their IDs and the pool's ARN.
func (b *besideMoto) pool(t *testing.T, input *cip.CreateUserPoolInput) (poolID, clientID, arn string) {
	t.Helper()
	ctx := context.Background()
	if input.PoolName == nil {
		input.PoolName = aws.String("beside")
	}
	created, err := b.via.CreateUserPool(ctx, input)
	if err != nil {
		t.Fatalf("CreateUserPool: %v", err)
	}
	poolID = aws.ToString(created.UserPool.Id)
	client, err := b.via.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientName: aws.String("web")})
	if err != nil {
		t.Fatalf("CreateUserPoolClient: %v", err)
	}
	return poolID, aws.ToString(client.UserPoolClient.ClientId), aws.ToString(created.UserPool.Arn)
}

// wantCode fails unless err is the Cognito error code, as the SDK decodes it.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("error %v, want %s", err, code)
	}
}

// must takes an SDK call's two results, so that a step reads as one line;
// an error panics, which fails the test with the step's line in the trace.
func must[T any](out T, err error) T {
	if err != nil {
		panic(err)
	}
	return out
}

func ForwardsWhatItDoesNotHoldToMoto(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	poolID, clientID, _ := b.pool(t, &cip.CreateUserPoolInput{})
	must(b.via.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(poolID), GroupName: aws.String("admins")}))

	direct := must(b.moto.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)}))
	if aws.ToString(direct.UserPoolClient.ClientName) != "web" {
		t.Errorf("moto holds client %+v, want the one created through the stand-in", direct.UserPoolClient)
	}
	groups := must(b.moto.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: aws.String(poolID)}))
	if len(groups.Groups) != 1 || aws.ToString(groups.Groups[0].GroupName) != "admins" {
		t.Errorf("moto lists groups %+v, want admins", groups.Groups)
	}
	// moto's errors reach the SDK as moto wrote them.
	_, err := b.via.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: aws.String(poolID), GroupName: aws.String("nobody")})
	wantCode(t, err, "ResourceNotFoundException")

	var actions []string
	for _, c := range b.stand.Calls() {
		actions = append(actions, c.Action)
	}
	want := []string{"CreateUserPool", "CreateUserPoolClient", "CreateGroup", "GetGroup"}
	if !slices.Equal(actions, want) {
		t.Errorf("recorded %v, want %v", actions, want)
	}
	if got := b.stand.Calls()[2].Input["GroupName"]; got != "admins" {
		t.Errorf("recorded CreateGroup input %v, want the GroupName sent", b.stand.Calls()[2].Input)
	}
}

// HeldActionsCheckThePoolExists covers every action the stand-in
// holds: Cognito's ResourceNotFoundException for a pool that is not there.
func HeldActionsCheckThePoolExists(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	missing := aws.String("us-east-1_missing")
	arn := aws.String("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_missing")
	calls := map[string]func() error{
		"DescribeRiskConfiguration": func() error {
			_, err := b.via.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: missing})
			return err
		},
		"SetRiskConfiguration": func() error {
			_, err := b.via.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: missing})
			return err
		},
		"GetLogDeliveryConfiguration": func() error {
			_, err := b.via.GetLogDeliveryConfiguration(ctx, &cip.GetLogDeliveryConfigurationInput{UserPoolId: missing})
			return err
		},
		"SetLogDeliveryConfiguration": func() error {
			_, err := b.via.SetLogDeliveryConfiguration(ctx, &cip.SetLogDeliveryConfigurationInput{UserPoolId: missing, LogConfigurations: []types.LogConfigurationType{}})
			return err
		},
		"ListTagsForResource": func() error {
			_, err := b.via.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: arn})
			return err
		},
		"TagResource": func() error {
			_, err := b.via.TagResource(ctx, &cip.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"a": "b"}})
			return err
		},
		"UntagResource": func() error {
			_, err := b.via.UntagResource(ctx, &cip.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"a"}})
			return err
		},
		"GetUICustomization": func() error {
			_, err := b.via.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: missing})
			return err
		},
		"SetUICustomization": func() error {
			_, err := b.via.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: missing, CSS: aws.String(".banner{}")})
			return err
		},
		"CreateManagedLoginBranding": func() error {
			_, err := b.via.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: missing, ClientId: aws.String("c"), UseCognitoProvidedValues: true})
			return err
		},
		"DescribeManagedLoginBranding": func() error {
			_, err := b.via.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: missing, ManagedLoginBrandingId: aws.String("b")})
			return err
		},
		"DescribeManagedLoginBrandingByClient": func() error {
			_, err := b.via.DescribeManagedLoginBrandingByClient(ctx, &cip.DescribeManagedLoginBrandingByClientInput{UserPoolId: missing, ClientId: aws.String("c")})
			return err
		},
		"UpdateManagedLoginBranding": func() error {
			_, err := b.via.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: missing, ManagedLoginBrandingId: aws.String("b")})
			return err
		},
		"DeleteManagedLoginBranding": func() error {
			_, err := b.via.DeleteManagedLoginBranding(ctx, &cip.DeleteManagedLoginBrandingInput{UserPoolId: missing, ManagedLoginBrandingId: aws.String("b")})
			return err
		},
		"CreateTerms": func() error {
			_, err := b.via.CreateTerms(ctx, &cip.CreateTermsInput{UserPoolId: missing, ClientId: aws.String("c"), TermsName: aws.String("terms-of-use"), TermsSource: types.TermsSourceTypeLink, Enforcement: types.TermsEnforcementTypeNone})
			return err
		},
		"DescribeTerms": func() error {
			_, err := b.via.DescribeTerms(ctx, &cip.DescribeTermsInput{UserPoolId: missing, TermsId: aws.String("t")})
			return err
		},
		"UpdateTerms": func() error {
			_, err := b.via.UpdateTerms(ctx, &cip.UpdateTermsInput{UserPoolId: missing, TermsId: aws.String("t")})
			return err
		},
		"DeleteTerms": func() error {
			_, err := b.via.DeleteTerms(ctx, &cip.DeleteTermsInput{UserPoolId: missing, TermsId: aws.String("t")})
			return err
		},
		"ListTerms": func() error {
			_, err := b.via.ListTerms(ctx, &cip.ListTermsInput{UserPoolId: missing})
			return err
		},
		"UpdateUserPool": func() error {
			_, err := b.via.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: missing})
			return err
		},
		"CreateResourceServer": func() error {
			_, err := b.via.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: missing, Identifier: aws.String("https://api"), Name: aws.String("api")})
			return err
		},
		"DescribeResourceServer": func() error {
			_, err := b.via.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: missing, Identifier: aws.String("https://api")})
			return err
		},
		"ListResourceServers": func() error {
			_, err := b.via.ListResourceServers(ctx, &cip.ListResourceServersInput{UserPoolId: missing, MaxResults: aws.Int32(50)})
			return err
		},
		"DeleteResourceServer": func() error {
			_, err := b.via.DeleteResourceServer(ctx, &cip.DeleteResourceServerInput{UserPoolId: missing, Identifier: aws.String("https://api")})
			return err
		},
		"CreateUserPoolClient": func() error {
			_, err := b.via.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: missing, ClientName: aws.String("web")})
			return err
		},
		"UpdateResourceServer": func() error {
			_, err := b.via.UpdateResourceServer(ctx, &cip.UpdateResourceServerInput{UserPoolId: missing, Identifier: aws.String("https://api"), Name: aws.String("api")})
			return err
		},
	}
	for _, action := range slices.Sorted(maps.Keys(calls)) {
		t.Run(action, func(t *testing.T) {
			wantCode(t, calls[action](), "ResourceNotFoundException")
		})
	}
}

func HoldsTagsBesideMotosPool(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	poolID, _, arn := b.pool(t, &cip.CreateUserPoolInput{
		UserPoolTags:       map[string]string{"team": "identity", "env": "staging"},
		UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
	})

	listed := must(b.via.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
	if want := map[string]string{"team": "identity", "env": "staging"}; !maps.Equal(listed.Tags, want) {
		t.Fatalf("tags from CreateUserPool %v, want %v", listed.Tags, want)
	}
	must(b.via.TagResource(ctx, &cip.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "prod", "cost": "42"}}))
	must(b.via.UntagResource(ctx, &cip.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}))
	// An update that does not name the tags keeps them, and keeps what
	// only CreateUserPool sets, which moto on its own would forget.
	must(b.via.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(poolID), DeletionProtection: types.DeletionProtectionTypeActive}))

	want := map[string]string{"env": "prod", "cost": "42"}
	listed = must(b.via.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
	if !maps.Equal(listed.Tags, want) {
		t.Errorf("ListTagsForResource %v, want %v", listed.Tags, want)
	}
	described := must(b.via.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(poolID)}))
	if !maps.Equal(described.UserPool.UserPoolTags, want) {
		t.Errorf("DescribeUserPool's UserPoolTags %v, want %v", described.UserPool.UserPoolTags, want)
	}
	if got := described.UserPool.UsernameAttributes; !slices.Equal(got, []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}) {
		t.Errorf("UsernameAttributes after UpdateUserPool %v, want [email]", got)
	}
	if described.UserPool.DeletionProtection != types.DeletionProtectionTypeActive {
		t.Errorf("DeletionProtection %q, want the update's ACTIVE", described.UserPool.DeletionProtection)
	}

	// UserPoolTags in an update replace the tags.
	must(b.via.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(poolID), UserPoolTags: map[string]string{"only": "this"}}))
	listed = must(b.via.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
	if want := map[string]string{"only": "this"}; !maps.Equal(listed.Tags, want) {
		t.Errorf("tags after UpdateUserPool with UserPoolTags %v, want %v", listed.Tags, want)
	}
}

func HoldsThreatProtectionPerPoolAndClient(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	plain, _, _ := b.pool(t, &cip.CreateUserPoolInput{})
	_, err := b.via.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: aws.String(plain)})
	wantCode(t, err, "UserPoolAddOnNotEnabledException")

	poolID, clientID, _ := b.pool(t, &cip.CreateUserPoolInput{UserPoolAddOns: &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeAudit}})
	exception := &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"192.0.2.0/24"}}
	must(b.via.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{UserPoolId: aws.String(poolID), RiskExceptionConfiguration: exception}))
	must(b.via.SetRiskConfiguration(ctx, &cip.SetRiskConfigurationInput{
		UserPoolId: aws.String(poolID), ClientId: aws.String(clientID),
		CompromisedCredentialsRiskConfiguration: &types.CompromisedCredentialsRiskConfigurationType{Actions: &types.CompromisedCredentialsActionsType{EventAction: types.CompromisedCredentialsEventActionTypeBlock}},
	}))

	pool := must(b.via.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: aws.String(poolID)})).RiskConfiguration
	if pool.ClientId != nil || pool.RiskExceptionConfiguration == nil || !slices.Equal(pool.RiskExceptionConfiguration.BlockedIPRangeList, []string{"192.0.2.0/24"}) || pool.CompromisedCredentialsRiskConfiguration != nil {
		t.Errorf("pool's risk configuration %+v, want only its exception list", pool)
	}
	client := must(b.via.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})).RiskConfiguration
	if aws.ToString(client.ClientId) != clientID || client.CompromisedCredentialsRiskConfiguration == nil || client.CompromisedCredentialsRiskConfiguration.Actions.EventAction != types.CompromisedCredentialsEventActionTypeBlock || client.RiskExceptionConfiguration != nil || client.LastModifiedDate == nil {
		t.Errorf("client's risk configuration %+v, want only its compromised-credentials block", client)
	}
	_, err = b.via.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: aws.String(poolID), ClientId: aws.String("noclient")})
	wantCode(t, err, "ResourceNotFoundException")
}

func HoldsLogDelivery(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	poolID, _, _ := b.pool(t, &cip.CreateUserPoolInput{})
	unset := must(b.via.GetLogDeliveryConfiguration(ctx, &cip.GetLogDeliveryConfigurationInput{UserPoolId: aws.String(poolID)}))
	if got := unset.LogDeliveryConfiguration; aws.ToString(got.UserPoolId) != poolID || len(got.LogConfigurations) != 0 {
		t.Errorf("log delivery before any set %+v, want none", got)
	}
	configurations := []types.LogConfigurationType{{
		EventSource: types.EventSourceNameUserNotification, LogLevel: types.LogLevelError,
		CloudWatchLogsConfiguration: &types.CloudWatchLogsConfigurationType{LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:cognito")},
	}}
	must(b.via.SetLogDeliveryConfiguration(ctx, &cip.SetLogDeliveryConfigurationInput{UserPoolId: aws.String(poolID), LogConfigurations: configurations}))
	got := must(b.via.GetLogDeliveryConfiguration(ctx, &cip.GetLogDeliveryConfigurationInput{UserPoolId: aws.String(poolID)})).LogDeliveryConfiguration.LogConfigurations
	if len(got) != 1 || got[0].EventSource != types.EventSourceNameUserNotification || got[0].LogLevel != types.LogLevelError || aws.ToString(got[0].CloudWatchLogsConfiguration.LogGroupArn) != "arn:aws:logs:us-east-1:123456789012:log-group:cognito" {
		t.Errorf("log delivery %+v, want the one set", got)
	}
}

func HoldsUICustomizationOnAPoolWithADomain(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	poolID, clientID, _ := b.pool(t, &cip.CreateUserPoolInput{})
	_, err := b.via.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(poolID), CSS: aws.String(".banner{}")})
	wantCode(t, err, "InvalidParameterException")

	must(b.via.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(poolID), Domain: aws.String("beside-ui")}))
	must(b.via.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(poolID), CSS: aws.String(".banner{color:red}")}))
	// A client without its own customization is served the pool's.
	inherited := must(b.via.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})).UICustomization
	if aws.ToString(inherited.CSS) != ".banner{color:red}" || aws.ToString(inherited.ClientId) != "ALL" {
		t.Errorf("client without its own customization gets %+v, want the pool's (ClientId ALL)", inherited)
	}
	must(b.via.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), ImageFile: []byte{0x89, 'P', 'N', 'G'}}))
	own := must(b.via.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})).UICustomization
	if aws.ToString(own.ClientId) != clientID || own.CSS != nil || aws.ToString(own.ImageUrl) == "" {
		t.Errorf("client's own customization %+v, want its logo and no CSS", own)
	}
	pool := must(b.via.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: aws.String(poolID)})).UICustomization
	if aws.ToString(pool.CSS) != ".banner{color:red}" || pool.ImageUrl != nil || aws.ToString(pool.CSSVersion) == "" {
		t.Errorf("pool's customization %+v, want its CSS alone", pool)
	}
}

func HoldsOneBrandingPerClient(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	poolID, clientID, _ := b.pool(t, &cip.CreateUserPoolInput{})
	logo := types.AssetType{Category: types.AssetCategoryTypePageHeaderLogo, ColorMode: types.ColorSchemeModeTypeLight, Extension: types.AssetExtensionTypePng, Bytes: []byte("light")}
	background := types.AssetType{Category: types.AssetCategoryTypePageBackground, ColorMode: types.ColorSchemeModeTypeDark, Extension: types.AssetExtensionTypePng, Bytes: []byte("dark")}
	settings := document.NewLazyDocument(map[string]any{"components": map[string]any{"pageBackground": map[string]any{"image": map[string]any{"enabled": true}}}})
	created := must(b.via.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{
		UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), Settings: settings, Assets: []types.AssetType{logo, background},
	})).ManagedLoginBranding
	id := aws.ToString(created.ManagedLoginBrandingId)
	if id == "" || created.CreationDate == nil {
		t.Fatalf("created branding %+v, want an id and dates", created)
	}
	_, err := b.via.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), UseCognitoProvidedValues: true})
	wantCode(t, err, "ManagedLoginBrandingExistsException")

	// An update keeps the settings and every asset it does not name again.
	newLogo := logo
	newLogo.Bytes = []byte("light2")
	must(b.via.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: aws.String(poolID), ManagedLoginBrandingId: aws.String(id), Assets: []types.AssetType{newLogo}}))
	byClient := must(b.via.DescribeManagedLoginBrandingByClient(ctx, &cip.DescribeManagedLoginBrandingByClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})).ManagedLoginBranding
	if aws.ToString(byClient.ManagedLoginBrandingId) != id || len(byClient.Assets) != 2 || string(byClient.Assets[0].Bytes) != "light2" || string(byClient.Assets[1].Bytes) != "dark" {
		t.Errorf("branding after an update of one asset %+v, want the new logo and the old background", byClient)
	}
	var kept map[string]any
	if err := byClient.Settings.UnmarshalSmithyDocument(&kept); err != nil || kept["components"] == nil {
		t.Errorf("settings after an update without them %v (%v), want them kept", kept, err)
	}

	must(b.via.UpdateManagedLoginBranding(ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: aws.String(poolID), ManagedLoginBrandingId: aws.String(id), UseCognitoProvidedValues: true}))
	defaults := must(b.via.DescribeManagedLoginBranding(ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: aws.String(poolID), ManagedLoginBrandingId: aws.String(id)})).ManagedLoginBranding
	if !defaults.UseCognitoProvidedValues || defaults.Settings != nil || len(defaults.Assets) != 0 {
		t.Errorf("branding on Cognito's defaults %+v, want no settings or assets", defaults)
	}

	must(b.via.DeleteManagedLoginBranding(ctx, &cip.DeleteManagedLoginBrandingInput{UserPoolId: aws.String(poolID), ManagedLoginBrandingId: aws.String(id)}))
	_, err = b.via.DescribeManagedLoginBrandingByClient(ctx, &cip.DescribeManagedLoginBrandingByClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = b.via.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: aws.String(poolID), ClientId: aws.String("noclient"), UseCognitoProvidedValues: true})
	wantCode(t, err, "ResourceNotFoundException")
}

func HoldsTermsPerClient(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	poolID, clientID, _ := b.pool(t, &cip.CreateUserPoolInput{})
	create := func(name string) (*cip.CreateTermsOutput, error) {
		return b.via.CreateTerms(ctx, &cip.CreateTermsInput{
			UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), TermsName: aws.String(name),
			TermsSource: types.TermsSourceTypeLink, Enforcement: types.TermsEnforcementTypeNone,
			Links: map[string]string{"cognito:default": "https://example.com/" + name},
		})
	}
	use := must(create("terms-of-use")).Terms
	must(create("privacy-policy"))
	_, err := create("terms-of-use")
	wantCode(t, err, "TermsExistsException")

	must(b.via.UpdateTerms(ctx, &cip.UpdateTermsInput{UserPoolId: aws.String(poolID), TermsId: use.TermsId, Links: map[string]string{"fr-FR": "https://example.com/fr"}}))
	described := must(b.via.DescribeTerms(ctx, &cip.DescribeTermsInput{UserPoolId: aws.String(poolID), TermsId: use.TermsId})).Terms
	if aws.ToString(described.ClientId) != clientID || aws.ToString(described.TermsName) != "terms-of-use" || !maps.Equal(described.Links, map[string]string{"fr-FR": "https://example.com/fr"}) || described.Enforcement != types.TermsEnforcementTypeNone {
		t.Errorf("terms after an update of Links %+v, want the new links and the rest kept", described)
	}

	first := must(b.via.ListTerms(ctx, &cip.ListTermsInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(1)}))
	second := must(b.via.ListTerms(ctx, &cip.ListTermsInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(1), NextToken: first.NextToken}))
	if len(first.Terms) != 1 || aws.ToString(first.Terms[0].TermsName) != "terms-of-use" || len(second.Terms) != 1 || aws.ToString(second.Terms[0].TermsName) != "privacy-policy" || second.NextToken != nil {
		t.Errorf("ListTerms pages %+v then %+v, want one terms each, in creation order", first, second)
	}

	must(b.via.DeleteTerms(ctx, &cip.DeleteTermsInput{UserPoolId: aws.String(poolID), TermsId: use.TermsId}))
	_, err = b.via.DescribeTerms(ctx, &cip.DescribeTermsInput{UserPoolId: aws.String(poolID), TermsId: use.TermsId})
	wantCode(t, err, "ResourceNotFoundException")
	listed := must(b.via.ListTerms(ctx, &cip.ListTermsInput{UserPoolId: aws.String(poolID)}))
	if len(listed.Terms) != 1 {
		t.Errorf("ListTerms after a delete %+v, want the privacy policy alone", listed.Terms)
	}
}

func HoldsResourceServersMotoCannotUpdateOrDelete(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	poolID, _, _ := b.pool(t, &cip.CreateUserPoolInput{})
	identifier := aws.String("https://api.example.com")
	must(b.via.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
		UserPoolId: aws.String(poolID), Identifier: identifier, Name: aws.String("api"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("Read")}},
	}))
	_, err := b.via.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(poolID), Identifier: identifier, Name: aws.String("again")})
	wantCode(t, err, "InvalidParameterException")

	updated := must(b.via.UpdateResourceServer(ctx, &cip.UpdateResourceServerInput{
		UserPoolId: aws.String(poolID), Identifier: identifier, Name: aws.String("api v2"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("write"), ScopeDescription: aws.String("Write")}},
	})).ResourceServer
	described := must(b.via.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: aws.String(poolID), Identifier: identifier})).ResourceServer
	listed := must(b.via.ListResourceServers(ctx, &cip.ListResourceServersInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(50)})).ResourceServers
	if len(listed) != 1 {
		t.Fatalf("ListResourceServers %+v, want the one server", listed)
	}
	for _, server := range []*types.ResourceServerType{updated, described, &listed[0]} {
		if aws.ToString(server.Name) != "api v2" || len(server.Scopes) != 1 || aws.ToString(server.Scopes[0].ScopeName) != "write" || aws.ToString(server.UserPoolId) != poolID {
			t.Errorf("resource server %+v, want the update's name and scopes alone", server)
		}
	}

	must(b.via.DeleteResourceServer(ctx, &cip.DeleteResourceServerInput{UserPoolId: aws.String(poolID), Identifier: identifier}))
	_, err = b.via.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: aws.String(poolID), Identifier: identifier})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = b.via.UpdateResourceServer(ctx, &cip.UpdateResourceServerInput{UserPoolId: aws.String(poolID), Identifier: identifier, Name: aws.String("gone")})
	wantCode(t, err, "ResourceNotFoundException")
}

// RefusesAClientNamingWhatThePoolLacks holds the order Cognito
// imposes on writes: the resource server before the client that uses its
// scopes, the identity provider before the client that lists it.
func RefusesAClientNamingWhatThePoolLacks(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	poolID, clientID, _ := b.pool(t, &cip.CreateUserPoolInput{})
	client := func(scopes, providers []string) error {
		_, err := b.via.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{
			UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), ClientName: aws.String("web"),
			AllowedOAuthScopes: scopes, SupportedIdentityProviders: providers,
		})
		return err
	}
	wantCode(t, client([]string{"openid", "https://api.example.com/read"}, nil), "ScopeDoesNotExistException")
	_, err := b.via.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientName: aws.String("other"), SupportedIdentityProviders: []string{"COGNITO", "Okta"}})
	wantCode(t, err, "InvalidParameterException")

	must(b.via.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
		UserPoolId: aws.String(poolID), Identifier: aws.String("https://api.example.com"), Name: aws.String("api"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("Read")}},
	}))
	must(b.via.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(poolID), ProviderName: aws.String("Okta"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": "okta", "client_secret": "s3cret", "authorize_scopes": "openid", "oidc_issuer": "https://okta.example.com", "attributes_request_method": "GET"},
	}))
	if err := client([]string{"openid", "https://api.example.com/read"}, []string{"COGNITO", "Okta"}); err != nil {
		t.Fatalf("client naming a defined scope and provider: %v", err)
	}
	direct := must(b.moto.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})).UserPoolClient
	if !slices.Equal(direct.AllowedOAuthScopes, []string{"openid", "https://api.example.com/read"}) || !slices.Equal(direct.SupportedIdentityProviders, []string{"COGNITO", "Okta"}) {
		t.Errorf("moto holds client %+v, want the update forwarded", direct)
	}
}

func RefusesTheNthWrite(t *testing.T, b *besideMoto) {
	ctx := context.Background()
	poolID, _, arn := b.pool(t, &cip.CreateUserPoolInput{})
	b.stand.RefuseWrite(2, http.StatusBadRequest, "TooManyRequestsException", "Too many requests")
	group := func(name string) error {
		_, err := b.via.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(poolID), GroupName: aws.String(name)})
		return err
	}
	if err := group("first"); err != nil {
		t.Fatal(err)
	}
	// Reads are not counted.
	must(b.via.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: aws.String(poolID)}))
	must(b.via.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
	_, err := b.via.TagResource(ctx, &cip.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"refused": "yes"}})
	wantCode(t, err, "TooManyRequestsException")
	if err := group("third"); err != nil {
		t.Fatal(err)
	}

	tags := must(b.via.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
	if len(tags.Tags) != 0 {
		t.Errorf("tags %v after the refused TagResource, want none", tags.Tags)
	}
	groups := must(b.moto.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: aws.String(poolID)}))
	if len(groups.Groups) != 2 {
		t.Errorf("moto holds %d groups, want first and third", len(groups.Groups))
	}
	var refused []string
	for _, c := range b.stand.Calls() {
		if c.Refused {
			refused = append(refused, c.Action)
		}
	}
	if !slices.Equal(refused, []string{"TagResource"}) {
		t.Errorf("refused calls %v, want the second write alone", refused)
	}
}

package usermatch

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/mototest"
)

// A job lists users with CognitoFilter and keeps those Match selects. Against
// a real ListUsers (moto's), that must give exactly the users the filter
// means, and the pre-filter must list fewer users where it can.
func TestListingWithThePrefilterAndMatchGivesExactlyTheFilteredUsers(t *testing.T) {
	ctx := context.Background()
	client := cip.NewFromConfig(mototest.Config(t, mototest.Start(t)))

	pool, err := client.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String("match"),
		Schema: []types.SchemaAttributeType{
			{Name: aws.String("tier"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	poolID := pool.UserPool.Id

	type seed struct {
		username, email, phone, tier string
		disabled                     bool
		groups                       []string
	}
	seeds := []seed{
		{"ana", "Ana@Example.com", "+15550101", "Gold", false, []string{"admins"}},
		{"ben", "ben@example.com", "+15550102", "gold", true, nil},
		{"cid", "cid@example.org", "+44200001", "silver", false, []string{"staff"}},
		{"dee", "42dee@example.com", "+44200002", "", false, []string{"staff", "admins"}},
		{"eve", "42Eve@Example.com", "+15550103", "GOLD", true, []string{"staff"}},
	}
	for _, group := range []string{"admins", "staff"} {
		if _, err := client.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: poolID, GroupName: aws.String(group)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range seeds {
		attributes := []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(s.email)},
			{Name: aws.String("phone_number"), Value: aws.String(s.phone)},
		}
		if s.tier != "" {
			attributes = append(attributes, types.AttributeType{Name: aws.String("custom:tier"), Value: aws.String(s.tier)})
		}
		_, err := client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: poolID, Username: aws.String(s.username), UserAttributes: attributes,
			MessageAction: types.MessageActionTypeSuppress,
		})
		if err != nil {
			t.Fatal(err)
		}
		if s.disabled {
			if _, err := client.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: poolID, Username: aws.String(s.username)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, group := range s.groups {
			_, err := client.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: poolID, Username: aws.String(s.username), GroupName: aws.String(group)})
			if err != nil {
				t.Fatal(err)
			}
		}
	}

	cases := []struct {
		filter string
		want   []string
		// listed is how many users ListUsers gives with the pre-filter.
		listed int
	}{
		{`custom:tier eq "gold"`, []string{"ana", "ben", "eve"}, 5},
		{`custom:tier eq "gold" and enabled eq true`, []string{"ana"}, 3},
		{`custom:tier eq "gold" and enabled eq false`, []string{"ben", "eve"}, 2},
		{`email eq "42EVE@example.COM"`, []string{"eve"}, 2},
		{`email sw "42" and not (custom:tier pr)`, []string{"dee"}, 2},
		{`phone_number sw "+44" and groups eq "ADMINS"`, []string{"dee"}, 2},
		{`phone_number eq "+15550102" or custom:tier eq "silver"`, []string{"ben", "cid"}, 5},
		{`email ew "EXAMPLE.COM" and not (groups pr)`, []string{"ben"}, 5},
		{`status eq "force_change_password" and username eq "cid"`, []string{"cid"}, 5},
	}
	for _, c := range cases {
		m, err := Parse(c.filter)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.filter, err)
		}
		var got []string
		listed := 0
		input := &cip.ListUsersInput{UserPoolId: poolID, Limit: aws.Int32(2)}
		if m.CognitoFilter() != "" {
			input.Filter = aws.String(m.CognitoFilter())
		}
		for pages := cip.NewListUsersPaginator(client, input); pages.HasMorePages(); {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatalf("%s: ListUsers with Filter %q: %v", c.filter, m.CognitoFilter(), err)
			}
			for _, listedUser := range page.Users {
				listed++
				user := FromCognito(listedUser)
				if m.NeedsGroups() {
					user.Groups = groupsOf(ctx, t, client, poolID, user.Username)
				}
				if m.Match(user) {
					got = append(got, user.Username)
				}
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s (Cognito Filter %q) selects %q, want %q", c.filter, m.CognitoFilter(), got, c.want)
		}
		if listed != c.listed {
			t.Errorf("%s: Cognito Filter %q listed %d users, want %d", c.filter, m.CognitoFilter(), listed, c.listed)
		}
	}
}

func groupsOf(ctx context.Context, t *testing.T, client *cip.Client, poolID *string, username string) []string {
	t.Helper()
	var groups []string
	input := &cip.AdminListGroupsForUserInput{UserPoolId: poolID, Username: aws.String(username)}
	for pages := cip.NewAdminListGroupsForUserPaginator(client, input); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.Groups {
			groups = append(groups, aws.ToString(g.GroupName))
		}
	}
	return groups
}

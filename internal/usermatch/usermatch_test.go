package usermatch

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

func date(text string) time.Time {
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		panic(err)
	}
	return t
}

// The users every Match case is evaluated on.
var (
	alice = User{
		Username: "Alice",
		Attributes: map[string]string{
			"email": "Alice@Example.com", "custom:tier": "Gold", "custom:age": "34",
			"email_verified": "true", "phone_number": "+15550100",
		},
		Status: "CONFIRMED", Enabled: true,
		Created: date("2024-01-10T08:00:00Z"), Modified: date("2024-06-01T12:00:00Z"),
		Groups: []string{"Admins", "staff"},
	}
	bob = User{
		Username: "bob",
		Attributes: map[string]string{
			"email": "bob@example.org", "custom:tier": "silver", "custom:age": "17",
			"email_verified": "false",
		},
		Status: "FORCE_CHANGE_PASSWORD", Enabled: false,
		Created: date("2024-03-01T00:00:00Z"), Modified: date("2024-03-01T00:00:00Z"),
	}
	carol = User{
		Username:   "carol",
		Attributes: map[string]string{"email": "carol@example.com", "custom:age": "n/a"},
		Status:     "CONFIRMED", Enabled: true,
		Created: date("2025-01-01T00:00:00Z"), Modified: date("2025-01-02T00:00:00Z"),
		Groups: []string{"staff"},
	}
)

func TestMatchSelectsTheUsersTheFilterMeans(t *testing.T) {
	cases := []struct {
		filter string
		want   []string
	}{
		// Strings ignore case, in the value and in the attribute's name.
		{`email eq "alice@example.com"`, []string{"Alice"}},
		{`EMAIL EQ "ALICE@EXAMPLE.COM"`, []string{"Alice"}},
		{`Custom:Tier eq "gold"`, []string{"Alice"}},
		{`custom:tier ne "GOLD"`, []string{"bob", "carol"}},
		{`email co "EXAMPLE"`, []string{"Alice", "bob", "carol"}},
		{`email sw "B"`, []string{"bob"}},
		{`email ew ".COM"`, []string{"Alice", "carol"}},
		{`custom:tier pr`, []string{"Alice", "bob"}},
		{`custom:tier gt "gold"`, []string{"bob"}},
		{`custom:tier ge "GOLD"`, []string{"Alice", "bob"}},
		{`custom:tier lt "silver"`, []string{"Alice"}},
		{`custom:tier le "SILVER"`, []string{"Alice", "bob"}},
		{`dev:custom:x pr`, nil},
		// Escapes in a value are decoded.
		{`email eq "alice\u0040example.com"`, []string{"Alice"}},
		// A number compares numerically; a value that is not one never matches.
		{`custom:age ge 18`, []string{"Alice"}},
		{`custom:age lt 18`, []string{"bob"}},
		{`custom:age eq 34.0`, []string{"Alice"}},
		{`custom:age ne 34`, []string{"bob", "carol"}},
		{`custom:age gt 1e1`, []string{"Alice", "bob"}},
		// A boolean compares with the attribute's "true" or "false".
		{`email_verified eq true`, []string{"Alice"}},
		{`email_verified ne true`, []string{"bob", "carol"}},
		// The user's own fields.
		{`username eq "ALICE"`, []string{"Alice"}},
		{`username sw "c"`, []string{"carol"}},
		{`status eq "confirmed"`, []string{"Alice", "carol"}},
		{`cognito:user_status eq "force_change_password"`, []string{"bob"}},
		{`status co "change"`, []string{"bob"}},
		{`enabled eq true`, []string{"Alice", "carol"}},
		{`enabled eq false`, []string{"bob"}},
		{`enabled ne true`, []string{"bob"}},
		{`enabled pr`, []string{"Alice", "bob", "carol"}},
		// Groups: a term holds when one group does; ne when none does.
		{`groups eq "admins"`, []string{"Alice"}},
		{`groups eq "STAFF"`, []string{"Alice", "carol"}},
		{`groups ne "admins"`, []string{"bob", "carol"}},
		{`groups sw "adm"`, []string{"Alice"}},
		{`groups co "TAF"`, []string{"Alice", "carol"}},
		{`groups ew "INS"`, []string{"Alice"}},
		{`groups pr`, []string{"Alice", "carol"}},
		{`not (groups pr)`, []string{"bob"}},
		// Dates compare as instants, whatever the offset they are written with.
		{`created gt "2024-02-01T00:00:00Z"`, []string{"bob", "carol"}},
		{`created ge "2024-03-01T01:00:00+01:00"`, []string{"bob", "carol"}},
		{`created lt "2024-03-01T00:00:00Z"`, []string{"Alice"}},
		{`created le "2024-03-01T00:00:00Z"`, []string{"Alice", "bob"}},
		{`created eq "2024-03-01T00:00:00Z"`, []string{"bob"}},
		{`created ne "2024-03-01T00:00:00Z"`, []string{"Alice", "carol"}},
		{`modified gt "2024-12-31T23:59:59.999Z"`, []string{"carol"}},
		{`modified pr`, []string{"Alice", "bob", "carol"}},
		// and, or, not, parentheses, and their precedence.
		{`email ew ".com" and enabled eq true`, []string{"Alice", "carol"}},
		{`custom:tier eq "gold" or custom:tier eq "silver"`, []string{"Alice", "bob"}},
		{`not (custom:tier pr)`, []string{"carol"}},
		{`email ew ".com" and not (groups eq "admins")`, []string{"carol"}},
		{`username eq "bob" or username eq "carol" and enabled eq false`, []string{"bob"}},
		{`(username eq "bob" or username eq "carol") and enabled eq true`, []string{"carol"}},
		{`username eq "bob" OR (custom:age gt 30 AND groups eq "admins")`, []string{"Alice", "bob"}},
		// Leading and trailing spaces are not the filter's.
		{`  username eq "bob"  `, []string{"bob"}},
		// An attribute no user has.
		{`custom:nope eq "x"`, nil},
		{`not (custom:nope eq "x")`, []string{"Alice", "bob", "carol"}},
	}
	for _, c := range cases {
		m, err := Parse(c.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.filter, err)
			continue
		}
		var got []string
		for _, u := range []User{alice, bob, carol} {
			if m.Match(u) {
				got = append(got, u.Username)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s selects %q, want %q", c.filter, got, c.want)
		}
	}
}

func TestMatchFindsAnAttributeWhateverTheCaseOfItsName(t *testing.T) {
	m, err := Parse(`custom:tier eq "gold"`)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Match(User{Attributes: map[string]string{"custom:Tier": "GOLD"}}) {
		t.Error("custom:tier does not find custom:Tier")
	}
}

func TestNeedsGroupsOnlyWhenTheFilterNamesGroups(t *testing.T) {
	cases := map[string]bool{
		`email pr`:                                    false,
		`custom:groups eq "x"`:                        false,
		`email pr and not (GROUPS eq "x")`:            true,
		`email pr or (enabled eq true and groups pr)`: true,
	}
	for filter, want := range cases {
		m, err := Parse(filter)
		if err != nil {
			t.Fatalf("Parse(%q): %v", filter, err)
		}
		if m.NeedsGroups() != want {
			t.Errorf("%s: NeedsGroups() = %v, want %v", filter, m.NeedsGroups(), want)
		}
		// A filter that does not need groups must not depend on them.
		if !want {
			withGroups := alice
			withoutGroups := alice
			withoutGroups.Groups = nil
			if m.Match(withGroups) != m.Match(withoutGroups) {
				t.Errorf("%s reads groups though NeedsGroups is false", filter)
			}
		}
	}
}

func TestAttributesListsTheUserAttributesTheFilterNames(t *testing.T) {
	m, err := Parse(`not (custom:tyer eq "gold") and (email pr or custom:tyer pr) and username pr and groups pr and enabled eq true and status pr and created pr`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Attributes(), []string{"custom:tyer", "email"}; !slices.Equal(got, want) {
		t.Errorf("Attributes() = %q, want %q", got, want)
	}
}

// Each pre-filter rule, and what it must not send. The caller evaluates the
// whole filter on every user listed, so a pre-filter must only never lose a
// user the filter selects.
func TestCognitoFilterSendsOnlyWhatTheWholeFilterImpliesAndCannotLoseAUser(t *testing.T) {
	cases := []struct {
		filter, want string
	}{
		// A value with no cased character is sent whole.
		{`phone_number eq "+15550100"`, `phone_number = "+15550100"`},
		// A cased value: Cognito's = may be case-sensitive, so only the
		// caseless prefix, or nothing, is sent.
		{`email eq "42bob@example.com"`, `email ^= "42"`},
		{`email eq "bob@example.com"`, ``},
		{`username eq "Bob"`, ``},
		{`username eq "1234"`, `username = "1234"`},
		{`preferred_username sw "007Agent"`, `preferred_username ^= "007"`},
		{`name sw "Bo"`, ``},
		// The escapes Cognito's grammar needs.
		{`name eq "1\"2\\3"`, `name = "1\"2\\3"`},
		// A sub is a lower-case UUID.
		{`sub eq "6A2F0E3C-0000-4000-8000-00000000ABCD"`, `sub = "6a2f0e3c-0000-4000-8000-00000000abcd"`},
		// status is the UserStatus, in Cognito's spelling; an unknown one
		// sends nothing.
		{`status eq "force_change_password"`, `cognito:user_status = "FORCE_CHANGE_PASSWORD"`},
		{`cognito:user_status eq "Confirmed"`, `cognito:user_status = "CONFIRMED"`},
		{`status eq "sleeping"`, ``},
		{`status sw "CONF"`, ``},
		// enabled is Cognito's status.
		{`enabled eq true`, `status = "Enabled"`},
		{`enabled eq false`, `status = "Disabled"`},
		{`enabled ne true`, `status = "Disabled"`},
		// Operators and attributes Cognito cannot say.
		{`email co "42"`, ``},
		{`email ew "42"`, ``},
		{`email gt "42"`, ``},
		{`email pr`, ``},
		{`email ne "42"`, ``},
		{`custom:tier eq "42"`, ``},
		{`groups eq "42"`, ``},
		{`created gt "2024-01-01T00:00:00Z"`, ``},
		{`email eq ""`, ``},
		// Only what the whole filter implies: never under or, never under not.
		{`phone_number eq "+1" or custom:tier eq "gold"`, ``},
		{`not (phone_number eq "+1")`, ``},
		{`custom:tier eq "gold" and not (phone_number eq "+1")`, ``},
		{`custom:tier eq "gold" and (phone_number eq "+1" or email pr)`, ``},
		{`custom:tier eq "gold" and phone_number eq "+1"`, `phone_number = "+1"`},
		{`(custom:tier eq "gold" and (enabled eq true and phone_number sw "+44"))`, `phone_number ^= "+44"`},
		// Of several, the exact one, then the longer, then status last.
		{`enabled eq true and email sw "12" and phone_number eq "+1"`, `phone_number = "+1"`},
		{`email sw "12" and phone_number sw "+4420"`, `phone_number ^= "+4420"`},
		{`status eq "confirmed" and email sw "1"`, `email ^= "1"`},
		{`enabled eq false and status eq "confirmed"`, `status = "Disabled"`},
		// Past ListUsers' 256-character bound, nothing is sent.
		{`phone_number eq "` + strings.Repeat("1", 240) + `"`, ``},
	}
	for _, c := range cases {
		m, err := Parse(c.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.filter, err)
			continue
		}
		if got := m.CognitoFilter(); got != c.want {
			t.Errorf("%s: CognitoFilter() = %q, want %q", c.filter, got, c.want)
		}
	}
}

func TestParseRefusesWithA400ThatPointsAtTheMistake(t *testing.T) {
	cases := []struct {
		filter string
		says   []string
	}{
		{``, []string{"empty"}},
		{`   `, []string{"empty"}},
		{`email eq "a" and`, []string{"character 13", `" and"`, `the end of the filter`}},
		{`  email eq "a" and`, []string{"character 15"}},
		{`email xx "a"`, []string{"character 1", "an expression", "eq ne co sw ew gt ge lt le"}},
		// The parser points at the and whose operand it could not finish.
		{`email eq "a" and (username pr`, []string{"character 13"}},
		{`email eq "unterminated`, []string{"character 1"}},
		{`email eq "a" extra`, []string{"character 13"}},
		{`name.givenName eq "a"`, []string{`name.givenName eq "a"`, "sub-attributes"}},
		{`emails[type eq "work"]`, []string{"value paths"}},
		{`email eq null`, []string{"null"}},
		{`enabled eq "true"`, []string{"enabled is a boolean"}},
		{`enabled gt true`, []string{"enabled is a boolean"}},
		{`created gt "yesterday"`, []string{"RFC 3339"}},
		{`created gt 2024`, []string{"RFC 3339"}},
		{`created co "2024"`, []string{"a date takes"}},
		{`groups eq 1`, []string{"group name"}},
		{`email gt true`, []string{"true and false"}},
		{`custom:age co 1`, []string{"co, sw and ew take a string"}},
	}
	for _, c := range cases {
		m, err := Parse(c.filter)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error", c.filter, m)
			continue
		}
		var p *problem.Error
		if !errors.As(err, &p) || p.Status != http.StatusBadRequest || p.Code != problem.CodeValidation {
			t.Errorf("Parse(%q): %#v, want a 400 %s", c.filter, err, problem.CodeValidation)
			continue
		}
		if len(p.Violations) != 1 || p.Violations[0].Pointer != "/Filter" || p.Detail != p.Violations[0].Message {
			t.Errorf("Parse(%q): violations %+v, want one at /Filter", c.filter, p.Violations)
			continue
		}
		for _, s := range c.says {
			if !strings.Contains(p.Detail, s) {
				t.Errorf("Parse(%q): %q does not say %q", c.filter, p.Detail, s)
			}
		}
	}
}

func TestFromCognitoKeepsWhatAFilterReads(t *testing.T) {
	created := date("2024-01-10T08:00:00Z")
	modified := date("2024-06-01T12:00:00Z")
	got := FromCognito(types.UserType{
		Username:             aws.String("Alice"),
		Attributes:           []types.AttributeType{{Name: aws.String("custom:tier"), Value: aws.String("gold")}},
		UserStatus:           types.UserStatusTypeConfirmed,
		Enabled:              true,
		UserCreateDate:       &created,
		UserLastModifiedDate: &modified,
	})
	m, err := Parse(`username eq "alice" and custom:tier eq "GOLD" and status eq "confirmed" and enabled eq true and created eq "2024-01-10T08:00:00Z" and modified eq "2024-06-01T12:00:00Z"`)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Match(got) {
		t.Errorf("FromCognito = %+v, which the filter of its own fields does not match", got)
	}
}

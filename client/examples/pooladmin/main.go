// Command pooladmin lists the users of a user pool and turns on the pool's
// deletion protection.
//
//	API_URL=https://abc123.execute-api.us-east-1.amazonaws.com/v1/ pooladmin POOL_ID
//	API_URL=http://127.0.0.1:8080 pooladmin POOL_ID   # make run's gateway
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"

	"github.com/oapi-codegen/nullable"

	"github.com/acme/cognito-admin-gateway/client"
)

func main() {
	if len(os.Args) != 2 || os.Getenv("API_URL") == "" {
		fmt.Fprintln(os.Stderr, "usage: API_URL=URL pooladmin POOL_ID")
		os.Exit(2)
	}
	ctx, poolID := context.Background(), os.Args[1]
	api, err := newClient(ctx, os.Getenv("API_URL"))
	if err != nil {
		log.Fatal(err)
	}
	users, err := api.ListUsersWithResponse(ctx, poolID, nil)
	if err := client.Check(users, err); err != nil {
		log.Fatal(err)
	}
	for _, user := range users.JSON200.Users {
		fmt.Println(*user.Username, *user.UserStatus)
	}
	patch := client.PatchUserPoolRequest{DeletionProtection: nullable.NewNullableWithValue("ACTIVE")}
	pool, err := api.PatchPoolWithApplicationMergePatchPlusJSONBodyWithResponse(ctx, poolID, nil, patch)
	if err := client.Check(pool, err); err != nil {
		log.Fatal(err)
	}
	fmt.Println("deletion protection:", *pool.JSON200.DeletionProtection)
}

// newClient signs every request with the AWS SDK's credential chain, but
// for a gateway on this machine (make run), which checks no signature and
// so needs no region and no credentials.
func newClient(ctx context.Context, apiURL string) (*client.ClientWithResponses, error) {
	u, err := url.Parse(apiURL)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback()) {
		return client.NewClientWithResponses(apiURL)
	}
	return client.NewSigV4(ctx, apiURL)
}

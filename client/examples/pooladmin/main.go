// Command pooladmin lists the users of a user pool and turns on the pool's
// deletion protection. Usage: API_URL=https://... pooladmin POOL_ID
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/oapi-codegen/nullable"

	"github.com/acme/cognito-admin-gateway/client"
)

func main() {
	ctx, poolID := context.Background(), os.Args[1]
	api, err := client.NewSigV4(ctx, os.Getenv("API_URL")) // the AWS SDK's credential chain
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

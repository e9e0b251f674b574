// Command floor is the cold-start floor under the gateway's own code, for
// `make bench`: it links every package the gateway's bootstrap links (their
// package initialisation runs), and does at start-up only what the gateway
// must before any of its own work, config.LoadDefaultConfig (issue 2) and a
// Cognito client; then it answers every event with a constant, as hello
// does. The gateway's init over this floor is what its own code costs; the
// floor over hello is what its dependencies cost.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	// Every package the gateway links, for their initialisation.
	_ "github.com/acme/cognito-admin-gateway/internal/host"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	client := cip.NewFromConfig(cfg)
	lambda.Start(func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		_ = client
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"hello":"world"}`}, nil
	})
}

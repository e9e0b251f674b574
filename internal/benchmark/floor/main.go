// Command floor is the cold-start floor under the gateway's own code, for
// `make bench`: it links every package the gateway's bootstrap links (their
// package initialisation runs), and does at start-up only what the gateway
// must before any of its own work: its AWS configuration (host.AWSConfig,
// which the bench's build tags make the Lambda build's, as the gateway's)
// and a Cognito client. Then it answers every event with a constant,
// through the gateway's own Runtime API loop. The gateway's init over this
// floor is what its own code costs; the floor over hello is what its
// dependencies cost.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	// Every package the gateway links, for their initialisation.
	"github.com/acme/cognito-admin-gateway/internal/host"
)

func main() {
	cfg, err := host.AWSConfig(context.Background(), os.Getenv)
	if err != nil {
		panic(err)
	}
	client := cip.NewFromConfig(cfg)
	err = host.ServeLambda(context.Background(), os.Getenv, func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		_ = client
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"hello":"world"}`}, nil
	})
	panic(err)
}

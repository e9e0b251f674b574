package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/mototest"
)

// TestLocalServerRunsAnExportAgainstAFreshMoto: the local server, started
// against a moto that has nothing but a pool, makes its jobs table, queue
// and bucket itself, and its worker runs an export to the end.
func TestLocalServerRunsAnExportAgainstAFreshMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	awsEnv(t, endpoint)
	t.Setenv("USER_JOBS", "")
	t.Setenv("LISTEN_ADDR", "127.0.0.1:0")
	ctx := t.Context()
	direct := cip.NewFromConfig(mototest.Config(t, endpoint))
	pool, err := direct.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("local")})
	if err != nil {
		t.Fatal(err)
	}
	poolID := aws.ToString(pool.UserPool.Id)
	for i := range 5 {
		if _, err := direct.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &poolID, Username: aws.String(fmt.Sprint("user-", i))}); err != nil {
			t.Fatal(err)
		}
	}
	stdout, done, cancel := start(t)
	listening := regexp.MustCompile(`"msg":"listening","url":"(http://[^"]+)"`)
	var base string
	for base == "" {
		select {
		case err := <-done:
			t.Fatalf("run returned %v before it listened:\n%s", err, stdout)
		case <-time.After(10 * time.Millisecond):
		}
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
	}
	resp, err := http.Post(base+"/pools/"+poolID+"/jobs", "application/json", strings.NewReader(`{"Type": "export"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST a job: %d\n%s", resp.StatusCode, stdout)
	}
	var job struct{ Status, ResultUrl string }
	deadline := time.Now().Add(time.Minute)
	for job.Status != "Succeeded" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		got, err := http.Get(base + resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(got.Body).Decode(&job)
		got.Body.Close()
	}
	if job.Status != "Succeeded" {
		t.Fatalf("the job is %s after a minute:\n%s", job.Status, stdout)
	}
	file, err := http.Get(job.ResultUrl)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Body.Close()
	lines := 0
	for scanner := bufio.NewScanner(file.Body); scanner.Scan(); {
		lines++
	}
	if lines != 5 {
		t.Errorf("the export has %d lines, want 5", lines)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run returned %v once its context ended", err)
	}
}

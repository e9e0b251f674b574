package mototest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestWaitReadyRefusesAnotherServerOnThePort: a test package running
// beside this one may take the port freePort picked before moto binds it.
// That server's answer (here, a Cognito stand-in's 500) must not pass for
// moto's, or a test would run against it.
func TestWaitReadyRefusesAnotherServerOnThePort(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"__type": "InternalErrorException"}`))
	}))
	defer other.Close()
	if err := waitReady(other.URL, make(chan error)); !errors.Is(err, errPortTaken) {
		t.Fatalf("waitReady = %v, want errPortTaken", err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServeRequiresMFAForAdmin: with --mfa-roles admin (the default outside
// the tests) the administrator's password alone opens no session.
func TestServeRequiresMFAForAdmin(t *testing.T) {
	url, _ := server(t, "--data", t.TempDir(), "--no-demo", "--mfa-roles", "admin")
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": adminPassword})
	resp, err := http.Post(url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ch struct {
		Token         string
		MFARequired   bool   `json:"mfa_required"`
		Challenge     string `json:"challenge"`
		EnrolRequired bool   `json:"enrol_required"`
	}
	json.NewDecoder(resp.Body).Decode(&ch)
	if resp.StatusCode != http.StatusAccepted || !ch.MFARequired || !ch.EnrolRequired || ch.Challenge == "" || ch.Token != "" {
		t.Fatalf("admin login = %d %+v, want 202 with a challenge to enrol", resp.StatusCode, ch)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "yingji_session" {
			t.Error("the password step set a session cookie")
		}
	}
}

func TestMFARolesFlagChecked(t *testing.T) {
	err := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--mfa-roles", "admin,wizard"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `"wizard" is not a role`) {
		t.Fatalf("serve with an unknown role: %v", err)
	}
}
